using SharpTune.Data;

namespace SharpTune.Training;

/// <summary>A fixed list of examples that can be collated into batches by index.</summary>
public interface IBatchSource
{
    int Count { get; }

    /// <summary>Collates the examples at <paramref name="indices"/> into one right-padded batch.</summary>
    Batch Collate(IReadOnlyList<int> indices);
}
