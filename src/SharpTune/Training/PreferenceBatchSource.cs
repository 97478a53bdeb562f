using SharpTune.Data;

namespace SharpTune.Training;

/// <summary>
/// Preference pairs collated for the shared trainer: <see cref="Count"/> and the indices count pairs, and the batch
/// holds the chosen row of pair i at row 2i and its rejected row at row 2i+1.
/// </summary>
public sealed class PreferenceBatchSource(IReadOnlyList<TokenizedPair> pairs, Collator collator) : IBatchSource
{
    public IReadOnlyList<TokenizedPair> Pairs => pairs;

    public int Count => pairs.Count;

    public Batch Collate(IReadOnlyList<int> indices) =>
        collator.Collate(indices.SelectMany(i => new[] { pairs[i].Chosen, pairs[i].Rejected }).ToList());
}
