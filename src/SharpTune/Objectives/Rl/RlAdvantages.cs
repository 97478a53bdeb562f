using SharpTune.Recipes;
using static TorchSharp.torch;

namespace SharpTune.Objectives.Rl;

/// <summary>Per-token advantages <c>[n, T]</c> of a rollout, and for PPO the value targets (returns).</summary>
public static class RlAdvantages
{
    /// <param name="rl">The algorithm and its settings.</param>
    /// <param name="scores">The reward function's score per response, <c>[n]</c>, grouped by prompt.</param>
    /// <param name="kl">Per-token k1 = log πold − log πref, <c>[n, T]</c>.</param>
    /// <param name="values">The value head's estimates at rollout time, <c>[n, T]</c>; PPO only.</param>
    /// <param name="mask">1 on response tokens, <c>[n, T]</c>.</param>
    /// <param name="lengths">Response lengths in tokens.</param>
    /// <param name="klCoef">The KL penalty's current coefficient (PPO and RLOO; GRPO puts its KL in the loss).</param>
    public static (Tensor Advantages, Tensor? Returns) Compute(RlOptions rl, float[] scores, Tensor kl, Tensor? values, Tensor mask,
        IReadOnlyList<int> lengths, double klCoef)
    {
        using var scope = NewDisposeScope();
        var device = mask.device;
        switch (rl.Algorithm)
        {
            case RlAlgorithm.Ppo:
            {
                // InstructGPT's per-token reward: −β·k1 at every token, plus the score at the last one.
                var rewards = (-klCoef * kl * mask).cpu();
                var r = rewards.data<float>().ToArray();
                long width = mask.shape[1];
                for (int i = 0; i < scores.Length; i++)
                    r[i * width + lengths[i] - 1] += scores[i];
                var (advantages, returns) = Gae.Compute(tensor(r, [scores.Length, width]), values!, lengths, rl.Gamma, rl.Lam);
                var whitened = Whitening.Whiten(advantages.to(device), mask);
                return (whitened.MoveToOuterDisposeScope(), returns.to(device).MoveToOuterDisposeScope());
            }
            case RlAlgorithm.Rloo:
            {
                // The RLOO paper's sequence reward: the score minus β times the response's summed k1.
                var penalty = (kl * mask).sum(1).cpu().data<float>().ToArray();
                var sequenceRewards = scores.Select((s, i) => (float)(s - klCoef * penalty[i])).ToArray();
                var advantages = GroupAdvantages.Rloo(sequenceRewards, rl.NumGenerations);
                return ((tensor(advantages, device: device).unsqueeze(1) * mask).MoveToOuterDisposeScope(), null);
            }
            default:
            {
                var advantages = GroupAdvantages.Grpo(scores, rl.NumGenerations);
                return ((tensor(advantages, device: device).unsqueeze(1) * mask).MoveToOuterDisposeScope(), null);
            }
        }
    }
}
