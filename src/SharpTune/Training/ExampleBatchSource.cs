using SharpTune.Data;

namespace SharpTune.Training;

/// <summary>Tokenized examples collated on demand.</summary>
public sealed class ExampleBatchSource : IBatchSource
{
    readonly IReadOnlyList<TokenizedExample> examples;
    readonly Collator collator;

    public ExampleBatchSource(IReadOnlyList<TokenizedExample> examples, Collator collator)
    {
        this.examples = examples;
        this.collator = collator;
    }

    public int Count => examples.Count;

    public Batch Collate(IReadOnlyList<int> indices) => collator.Collate(indices.Select(i => examples[i]).ToList());
}
