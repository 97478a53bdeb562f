namespace SharpTune.Data;

/// <summary>Tokenized training rows with the counts a run reports about them.</summary>
/// <param name="Examples">The rows, in record order.</param>
/// <param name="TruncatedCount">Kept examples that lost tokens at the end to max_length.</param>
/// <param name="DroppedCount">Examples left out because truncation removed every response token.</param>
/// <param name="LongerThanContextCount">Examples whose untruncated length exceeds the model's context window.</param>
public sealed record TokenizedDataset(
    IReadOnlyList<TokenizedExample> Examples,
    int TruncatedCount,
    int DroppedCount,
    int LongerThanContextCount);
