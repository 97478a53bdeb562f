using SharpTune.Data;
using static TorchSharp.torch;

namespace SharpTune.Models.Llama;

/// <summary>
/// Where each token of one forward pass sits relative to its row's prompt, counting real tokens only, so left
/// and right padding give the same values at the same tokens. All tensors are int64 <c>[batch, seq]</c> and hold
/// -1 where the count does not apply (padding, or a token of the other part).
/// </summary>
/// <param name="FromStart">Index among the row's prompt tokens counted from the first one (0, 1, ...).</param>
/// <param name="FromEnd">Index among the row's prompt tokens counted back from the last one (0 is the last).</param>
/// <param name="ResponseIndex">Index among the tokens after the prompt: 0 is the first response token in training,
/// or the first generated token fed back during decoding.</param>
public sealed record PromptPositions(Tensor FromStart, Tensor FromEnd, Tensor ResponseIndex) : IDisposable
{
    /// <summary>
    /// Derives positions from a collated batch, left- or right-padded: the prompt is each row's leading run of
    /// real tokens (segment id not 0) whose label is <see cref="Batch.IgnoreIndex"/>, and every later real
    /// token is a response token. Rows that pack several examples are rejected, because each would need its own prompt.
    /// </summary>
    public static PromptPositions FromBatch(Batch batch)
    {
        using var scope = NewDisposeScope();
        if (batch.SegmentIds.max().item<long>() > 1)
            throw new NotSupportedException(
                "Prompt positions need one example per row, but the batch packs several; set data.packing: false.");

        var real = batch.SegmentIds.ne(0);                                   // [b, s]
        var unlabelled = batch.Labels.eq(Batch.IgnoreIndex) & real;         // [b, s]
        var labelledSoFar = (real & ~unlabelled).to(ScalarType.Int64).cumsum(1);
        var prompt = unlabelled & labelledSoFar.eq(0);                      // leading unlabelled real tokens
        var response = real & ~prompt;

        var promptInt = prompt.to(ScalarType.Int64);
        var fromStart = promptInt.cumsum(1) - 1;
        var promptLength = promptInt.sum(1, keepdim: true);                 // [b, 1]
        var fromEnd = promptLength - 1 - fromStart;
        var responseIndex = response.to(ScalarType.Int64).cumsum(1) - 1;

        var none = full_like(fromStart, -1);
        return new PromptPositions(
            where(prompt, fromStart, none).MoveToOuterDisposeScope(),
            where(prompt, fromEnd, none).MoveToOuterDisposeScope(),
            where(response, responseIndex, none).MoveToOuterDisposeScope());
    }

    /// <summary>Positions for a prefill of <paramref name="length"/> prompt tokens in one row.</summary>
    public static PromptPositions ForPrompt(long length, Device device)
    {
        var fromStart = arange(length, dtype: ScalarType.Int64, device: device).unsqueeze(0);   // [1, length]
        return new PromptPositions(fromStart, fromStart.flip(1), full(1, length, -1L, dtype: ScalarType.Int64, device: device));
    }

    /// <summary>Positions for one decoding step that feeds back the generated token number <paramref name="index"/> (from 0).</summary>
    public static PromptPositions ForGenerated(long index, Device device)
    {
        var none = full(1, 1, -1L, dtype: ScalarType.Int64, device: device);
        return new PromptPositions(none, none.clone(), full(1, 1, index, dtype: ScalarType.Int64, device: device));
    }

    /// <summary>Copies the positions to <paramref name="device"/>.</summary>
    public PromptPositions To(Device device) => new(FromStart.to(device), FromEnd.to(device), ResponseIndex.to(device));

    public void Dispose()
    {
        FromStart.Dispose();
        FromEnd.Dispose();
        ResponseIndex.Dispose();
    }
}
