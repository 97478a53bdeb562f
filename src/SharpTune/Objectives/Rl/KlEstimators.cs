using static TorchSharp.torch;

namespace SharpTune.Objectives.Rl;

/// <summary>
/// Per-token estimators of KL(πθ ‖ πref) from the log-probabilities of sampled tokens (Schulman, "Approximating
/// KL divergence", 2020). Both take <c>[n, T]</c> tensors and return <c>[n, T]</c>.
/// </summary>
public static class KlEstimators
{
    /// <summary>k1 = log πθ − log πref: unbiased, can be negative per token; PPO's reward penalty (InstructGPT).</summary>
    public static Tensor K1(Tensor logProbs, Tensor refLogProbs) => logProbs - refLogProbs;

    /// <summary>
    /// k3 = exp(log πref − log πθ) − (log πref − log πθ) − 1: unbiased and never negative; GRPO's KL loss
    /// term (DeepSeekMath, eq. 4).
    /// </summary>
    public static Tensor K3(Tensor logProbs, Tensor refLogProbs)
    {
        using var scope = NewDisposeScope();
        var logRatio = refLogProbs - logProbs;
        return (logRatio.exp() - logRatio - 1).MoveToOuterDisposeScope();
    }
}
