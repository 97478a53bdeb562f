namespace SharpTune.Data;

/// <summary>
/// One training row before collation. <see cref="Labels"/> contains the target id for each position's own token or
/// <see cref="Batch.IgnoreIndex"/>, as in <see cref="Batch"/>. Packed rows also carry position and segment ids.
/// An unpacked row leaves both null and the <see cref="Collator"/> gives it segment 1 and positions 0..n-1.
/// </summary>
public sealed class TokenizedExample
{
    public IReadOnlyList<long> InputIds { get; }

    public IReadOnlyList<long> Labels { get; }

    /// <summary>RoPE positions restarting at 0 for each packed document piece, or null for an unpacked row.</summary>
    public IReadOnlyList<long>? PositionIds { get; }

    /// <summary>Document piece number within the row (1, 2, ...), or null for an unpacked row.</summary>
    public IReadOnlyList<long>? SegmentIds { get; }

    /// <summary>The record the row came from; null for a packed row, which mixes records.</summary>
    public RecordSource? Source { get; }

    public int Length => InputIds.Count;

    public TokenizedExample(IReadOnlyList<long> inputIds, IReadOnlyList<long> labels,
        IReadOnlyList<long>? positionIds = null, IReadOnlyList<long>? segmentIds = null, RecordSource? source = null)
    {
        if (inputIds.Count == 0)
            throw new ArgumentException("an example needs at least one token", nameof(inputIds));
        if (labels.Count != inputIds.Count)
            throw new ArgumentException($"labels has {labels.Count} entries for {inputIds.Count} tokens", nameof(labels));
        if (positionIds is not null && positionIds.Count != inputIds.Count)
            throw new ArgumentException($"positionIds has {positionIds.Count} entries for {inputIds.Count} tokens", nameof(positionIds));
        if (segmentIds is not null && segmentIds.Count != inputIds.Count)
            throw new ArgumentException($"segmentIds has {segmentIds.Count} entries for {inputIds.Count} tokens", nameof(segmentIds));

        InputIds = inputIds;
        Labels = labels;
        PositionIds = positionIds;
        SegmentIds = segmentIds;
        Source = source;
    }
}
