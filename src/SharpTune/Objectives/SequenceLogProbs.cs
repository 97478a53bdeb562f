using SharpTune.Data;
using static TorchSharp.torch;

namespace SharpTune.Objectives;

/// <summary>Sequence log-probabilities: the sum of log p(token) over each row's labelled target tokens.</summary>
public static class SequenceLogProbs
{
    /// <summary>
    /// Returns <c>[b]</c> float32 sums of log-softmax(logits) at the label ids, for logits <c>[b, s, vocab]</c> and
    /// labels <c>[b, s]</c>. As in <see cref="CausalLmLoss"/> the logit at t predicts the label at t+1.
    /// </summary>
    public static Tensor Sum(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        long seq = logits.shape[1];
        var predictions = logits.narrow(1, 0, seq - 1).to(ScalarType.Float32);      // [b, s-1, vocab]
        var targets = labels.narrow(1, 1, seq - 1);                                  // [b, s-1]
        var mask = targets.ne(Batch.IgnoreIndex);                                    // [b, s-1]
        var safeTargets = targets.masked_fill(mask.logical_not(), 0).unsqueeze(-1);  // [b, s-1, 1]
        var tokenLogProbs = predictions.log_softmax(-1).gather(-1, safeTargets).squeeze(-1); // [b, s-1]
        return (tokenLogProbs * mask.to(ScalarType.Float32)).sum(1).MoveToOuterDisposeScope();
    }
}
