using static TorchSharp.torch;

namespace SharpTune.Objectives.Rl;

/// <summary>
/// The clipped losses of PPO (Schulman et al., 2017) over response tokens. Every input is <c>[n, T]</c>. Per-token
/// terms are summed with weights from <see cref="TokenMean"/> or <see cref="SequenceMean"/>, which set how tokens average.
/// </summary>
public static class PpoLoss
{
    /// <summary>Weights for a mean over all response tokens of the batch (TRL's PPO, RLOO): mask / Σ mask.</summary>
    public static Tensor TokenMean(Tensor mask) => mask / mask.sum().clamp_min(1);

    /// <summary>Weights for a mean over responses of each response's token mean (DeepSeekMath's GRPO objective).</summary>
    public static Tensor SequenceMean(Tensor mask)
    {
        using var scope = NewDisposeScope();
        var perRow = mask.sum(1, keepdim: true).clamp_min(1);                        // [n, 1]
        return (mask / perRow / mask.shape[0]).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Per-token policy loss max(−A·ρ, −A·clip(ρ, 1 − ε, 1 + ε)) with ρ = exp(log πθ − log πold), and whether the
    /// clipped term was the larger one (TRL's clip fraction counts exactly those tokens).
    /// </summary>
    public static (Tensor Loss, Tensor Clipped) PolicyTerms(Tensor logProbs, Tensor oldLogProbs, Tensor advantages, double cliprange)
    {
        using var scope = NewDisposeScope();
        var ratio = (logProbs - oldLogProbs).exp();
        var unclipped = -advantages * ratio;
        var clipped = -advantages * ratio.clamp(1 - cliprange, 1 + cliprange);
        return (maximum(unclipped, clipped).MoveToOuterDisposeScope(), clipped.gt(unclipped).to(ScalarType.Float32).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Clipped value loss ½·mean(max((V − R)², (Vold + clip(V − Vold, −ε, ε) − R)²)) over response tokens, and the
    /// fraction of tokens where the clipped error was larger.
    /// </summary>
    public static (Tensor Loss, double ClipFraction) Value(Tensor values, Tensor oldValues, Tensor returns, Tensor mask, double cliprangeValue)
    {
        using var scope = NewDisposeScope();
        var weights = TokenMean(mask);
        var clippedValues = oldValues + (values - oldValues).clamp(-cliprangeValue, cliprangeValue);
        var unclippedError = (values - returns).pow(2);
        var clippedError = (clippedValues - returns).pow(2);
        var loss = 0.5 * (maximum(unclippedError, clippedError) * weights).sum();
        double fraction = (clippedError.gt(unclippedError).to(ScalarType.Float32) * weights).sum().item<float>();
        return (loss.MoveToOuterDisposeScope(), fraction);
    }
}
