using static TorchSharp.torch;

namespace SharpTune.Models.Llama;

/// <summary>How a forward pass restricts attention: plain causal, or an explicit boolean mask.</summary>
/// <param name="Mask">True where a query may attend a key, <c>[batch, 1, query, key]</c>; null for plain causal.</param>
/// <param name="IsCausal">Whether scaled-dot-product attention should apply its own causal mask.</param>
public sealed record AttentionMask(Tensor? Mask, bool IsCausal)
{
    /// <summary>
    /// Builds the mask for <paramref name="queryLength"/> new tokens after <paramref name="pastLength"/> cached ones.
    /// Segment ids (<c>[batch, seq]</c>, 0 = padding) make packed examples block-diagonal; a sliding window
    /// limits each query to the last <paramref name="slidingWindow"/> keys, as Mistral does.
    /// </summary>
    public static AttentionMask Build(long queryLength, long pastLength, Tensor? segmentIds, int? slidingWindow, Device device)
    {
        bool windowMatters = slidingWindow is int w && pastLength + queryLength > w;
        if (segmentIds is null && !windowMatters)
        {
            if (pastLength == 0)
                return new AttentionMask(null, IsCausal: queryLength > 1);
            if (queryLength == 1)
                return new AttentionMask(null, IsCausal: false); // one new token sees every cached one
        }

        using var scope = NewDisposeScope();
        var queryPositions = arange(pastLength, pastLength + queryLength, device: device).unsqueeze(1); // [q, 1]
        var keyPositions = arange(0, pastLength + queryLength, device: device).unsqueeze(0);            // [1, k]
        var allowed = keyPositions.le(queryPositions);
        if (slidingWindow is int window)
            allowed = allowed.logical_and(keyPositions.gt(queryPositions - window));
        allowed = allowed.unsqueeze(0).unsqueeze(0);                                                       // [1, 1, q, k]

        if (segmentIds is not null)
        {
            if (pastLength != 0)
                throw new ArgumentException("Segment ids are only supported without a KV cache.");
            var querySegments = segmentIds.unsqueeze(2);                                                // [b, q, 1]
            var keySegments = segmentIds.unsqueeze(1);                                                  // [b, 1, k]
            var sameSegment = querySegments.eq(keySegments).logical_and(keySegments.ne(0)).unsqueeze(1); // [b, 1, q, k]
            allowed = allowed.logical_and(sameSegment);
            // A padding query has no allowed key; letting it see itself keeps softmax finite. Its output is never used.
            var diagonal = eye(queryLength, dtype: ScalarType.Bool, device: device).unsqueeze(0).unsqueeze(0);
            allowed = allowed.logical_or(diagonal);
        }
        return new AttentionMask(allowed.MoveToOuterDisposeScope(), IsCausal: false);
    }
}
