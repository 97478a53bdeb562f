using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Data;

/// <summary>
/// A collated batch, right-padded. All tensors are int64 <c>[batch, seq]</c> on the CPU; the trainer moves them.
/// </summary>
/// <param name="InputIds">Token ids; padding positions hold the pad id (or 0 when the model has none).</param>
/// <param name="Labels">Target id for each position's own token, or <see cref="IgnoreIndex"/> where no loss is taken
/// (prompt, padding). The model shifts internally: the logit at position t predicts <c>Labels[t+1]</c>.</param>
/// <param name="PositionIds">RoPE positions; they restart at 0 for each packed example.</param>
/// <param name="SegmentIds">Example number within the row, starting at 1; 0 marks padding. A token attends only to
/// earlier tokens with the same segment id, so packed examples never see each other.</param>
public sealed record Batch(Tensor InputIds, Tensor Labels, Tensor PositionIds, Tensor SegmentIds) : IDisposable
{
    /// <summary>Label value that carries no loss, as in PyTorch's cross-entropy default.</summary>
    public const long IgnoreIndex = -100;

    /// <summary>Number of labelled target tokens (after the shift), the divisor for a token-mean loss.</summary>
    public long TargetTokenCount()
    {
        using var shifted = Labels.narrow(1, 1, Labels.shape[1] - 1);
        using var mask = shifted.ne(IgnoreIndex);
        return mask.sum().item<long>();
    }

    public void Dispose()
    {
        InputIds.Dispose();
        Labels.Dispose();
        PositionIds.Dispose();
        SegmentIds.Dispose();
    }
}
