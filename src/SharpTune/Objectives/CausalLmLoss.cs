using SharpTune.Data;
using static TorchSharp.torch;

namespace SharpTune.Objectives;

/// <summary>
/// Next-token cross-entropy: the logit at position t predicts the label at t+1; labels equal to
/// <see cref="Batch.IgnoreIndex"/> carry no loss. Returns the SUM over target tokens, so callers can divide
/// by the token count of a whole accumulated batch rather than averaging per-micro-batch means.
/// </summary>
public static class CausalLmLoss
{
    /// <summary>Returns the summed loss (scalar float32, differentiable) for logits <c>[b, s, vocab]</c> and labels <c>[b, s]</c>.</summary>
    public static Tensor Sum(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        long seq = logits.shape[1];
        var predictions = logits.narrow(1, 0, seq - 1).to(ScalarType.Float32);     // [b, s-1, vocab]
        var targets = labels.narrow(1, 1, seq - 1);                                 // [b, s-1]
        var loss = nn.functional.cross_entropy(
            predictions.reshape(-1, predictions.shape[^1]), targets.reshape(-1),
            ignore_index: Batch.IgnoreIndex, reduction: nn.Reduction.Sum);
        return loss.MoveToOuterDisposeScope();
    }
}
