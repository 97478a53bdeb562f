using static TorchSharp.torch;

namespace SharpTune.Objectives.Rl;

/// <summary>
/// Masked whitening of PPO advantages: (a − mean)/sqrt(var + 1e-8) over the response tokens of a rollout batch,
/// with the unbiased variance, as TRL's <c>masked_whiten</c>. It keeps the policy step size independent of the reward's scale.
/// </summary>
public static class Whitening
{
    public static Tensor Whiten(Tensor values, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var count = mask.sum();
        var mean = (values * mask).sum() / count;
        var centered = (values - mean) * mask;
        var variance = centered.pow(2).sum() / (count - 1).clamp_min(1);
        return (centered / (variance + 1e-8).sqrt() * mask).MoveToOuterDisposeScope();
    }
}
