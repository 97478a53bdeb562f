namespace SharpTune.Generation;

/// <summary>Decoding settings. Temperature 0 means greedy decoding (argmax), as in transformers' do_sample=False.</summary>
public sealed record GenerationOptions
{
    public int MaxNewTokens { get; init; } = 256;
    public double Temperature { get; init; }
    /// <summary>Keep only the k most likely tokens before sampling; 0 disables.</summary>
    public int TopK { get; init; }
    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability sum reaches p; 1 disables.</summary>
    public double TopP { get; init; } = 1.0;
    public long Seed { get; init; }
    /// <summary>Token ids that end generation; the stop token is not part of the output.</summary>
    public IReadOnlyList<long> StopIds { get; init; } = [];
}
