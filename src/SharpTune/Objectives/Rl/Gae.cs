using static TorchSharp.torch;

namespace SharpTune.Objectives.Rl;

/// <summary>
/// Generalized advantage estimation (Schulman et al., 2016): δt = rt + γ·V(t+1) − V(t) and
/// At = δt + γλ·A(t+1), with V after the last response token taken as 0 because the episode ends there.
/// Returns are At + V(t), the value head's regression target.
/// </summary>
public static class Gae
{
    /// <summary>Advantages and returns of one response, from its per-token rewards and values.</summary>
    public static (float[] Advantages, float[] Returns) Compute(IReadOnlyList<float> rewards, IReadOnlyList<float> values, double gamma, double lam)
    {
        int length = rewards.Count;
        var advantages = new float[length];
        var returns = new float[length];
        double next = 0, nextValue = 0;
        for (int t = length - 1; t >= 0; t--)
        {
            double delta = rewards[t] + gamma * nextValue - values[t];
            next = delta + gamma * lam * next;
            advantages[t] = (float)next;
            returns[t] = (float)(next + values[t]);
            nextValue = values[t];
        }
        return (advantages, returns);
    }

    /// <summary>
    /// Applies the per-response GAE to each row of <c>[n, T]</c> rewards and values over the first
    /// <paramref name="lengths"/>[i] tokens; positions past a row's length get 0. Returns CPU float32 <c>[n, T]</c>.
    /// </summary>
    public static (Tensor Advantages, Tensor Returns) Compute(Tensor rewards, Tensor values, IReadOnlyList<int> lengths, double gamma, double lam)
    {
        long n = rewards.shape[0], width = rewards.shape[1];
        var r = rewards.to(ScalarType.Float32).cpu().data<float>().ToArray();
        var v = values.to(ScalarType.Float32).cpu().data<float>().ToArray();
        var advantages = new float[n * width];
        var returns = new float[n * width];
        for (int i = 0; i < n; i++)
        {
            int start = (int)(i * width);
            var (a, ret) = Compute(new ArraySegment<float>(r, start, lengths[i]), new ArraySegment<float>(v, start, lengths[i]), gamma, lam);
            a.CopyTo(advantages, start);
            ret.CopyTo(returns, start);
        }
        return (tensor(advantages, [n, width]), tensor(returns, [n, width]));
    }
}
