namespace SharpTune.Planning.Presets;

/// <summary>
/// Model shapes that ship with SharpTune, so that <c>plan --model NAME</c> needs no download.
/// Each figure is copied from the model's published config.json on the Hugging Face Hub (repository named per entry).
/// </summary>
public static class ModelPresets
{
    static readonly Dictionary<string, ModelShape> Shapes = new(StringComparer.OrdinalIgnoreCase)
    {
        // meta-llama/Llama-2-7b-hf config.json: 6.74 B parameters.
        ["llama-2-7b"] = new ModelShape
        {
            Name = "llama-2-7b", HiddenSize = 4096, IntermediateSize = 11008, NumHiddenLayers = 32,
            NumAttentionHeads = 32, NumKeyValueHeads = 32, HeadDim = 128, VocabSize = 32000, MaxPositionEmbeddings = 4096,
        },
        // meta-llama/Meta-Llama-3-8B config.json (the Instruct model has the same shape): 8.03 B parameters.
        ["llama-3-8b"] = Llama3_8b("llama-3-8b"),
        ["llama-3-8b-instruct"] = Llama3_8b("llama-3-8b-instruct"),
        // meta-llama/Meta-Llama-3-70B config.json: 70.6 B parameters.
        ["llama-3-70b"] = new ModelShape
        {
            Name = "llama-3-70b", HiddenSize = 8192, IntermediateSize = 28672, NumHiddenLayers = 80,
            NumAttentionHeads = 64, NumKeyValueHeads = 8, HeadDim = 128, VocabSize = 128256, MaxPositionEmbeddings = 8192,
        },
        // mistralai/Mistral-7B-v0.1 config.json: 7.24 B parameters.
        ["mistral-7b"] = new ModelShape
        {
            Name = "mistral-7b", HiddenSize = 4096, IntermediateSize = 14336, NumHiddenLayers = 32,
            NumAttentionHeads = 32, NumKeyValueHeads = 8, HeadDim = 128, VocabSize = 32000, MaxPositionEmbeddings = 32768,
        },
        // Qwen/Qwen2.5-0.5B config.json: 0.49 B parameters, tied embeddings, q/k/v biases.
        ["qwen2.5-0.5b"] = new ModelShape
        {
            Name = "qwen2.5-0.5b", HiddenSize = 896, IntermediateSize = 4864, NumHiddenLayers = 24,
            NumAttentionHeads = 14, NumKeyValueHeads = 2, HeadDim = 64, VocabSize = 151936, MaxPositionEmbeddings = 32768,
            TieWordEmbeddings = true, QkvBias = true,
        },
        // Qwen/Qwen3-4B config.json: 4.02 B parameters, tied embeddings, head_dim 128 set explicitly.
        ["qwen3-4b"] = new ModelShape
        {
            Name = "qwen3-4b", HiddenSize = 2560, IntermediateSize = 9728, NumHiddenLayers = 36,
            NumAttentionHeads = 32, NumKeyValueHeads = 8, HeadDim = 128, VocabSize = 151936, MaxPositionEmbeddings = 40960,
            TieWordEmbeddings = true,
        },
        // google-bert/bert-base-uncased config.json: 0.11 B parameters, an encoder.
        ["bert-base-uncased"] = new ModelShape
        {
            Name = "bert-base-uncased", Architecture = ArchitectureKind.Encoder, HiddenSize = 768, IntermediateSize = 3072,
            NumHiddenLayers = 12, NumAttentionHeads = 12, NumKeyValueHeads = 12, HeadDim = 64, VocabSize = 30522,
            MaxPositionEmbeddings = 512,
        },
    };

    static ModelShape Llama3_8b(string name) => new()
    {
        Name = name, HiddenSize = 4096, IntermediateSize = 14336, NumHiddenLayers = 32,
        NumAttentionHeads = 32, NumKeyValueHeads = 8, HeadDim = 128, VocabSize = 128256, MaxPositionEmbeddings = 8192,
    };

    /// <summary>Preset names, in the order they are listed in help and errors.</summary>
    public static IReadOnlyList<string> Names => Shapes.Keys.ToArray();

    /// <summary>Returns the preset of that name (case-insensitive), or null.</summary>
    public static ModelShape? Find(string name) => Shapes.GetValueOrDefault(name);
}
