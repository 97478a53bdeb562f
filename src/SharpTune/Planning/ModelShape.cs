using SharpTune.Models;

namespace SharpTune.Planning;

/// <summary>Transformer family a shape describes; it decides the MLP and the output layer in the counts.</summary>
public enum ArchitectureKind
{
    /// <summary>Llama-style decoder: RMSNorm, gated SwiGLU MLP (three matrices), optional grouped-query attention.</summary>
    Decoder,

    /// <summary>BERT-style encoder: LayerNorm with biases, two-matrix GELU MLP, learned positions, no LM head.</summary>
    Encoder,
}

/// <summary>The dimensions of a transformer that memory estimates need, from a config.json or a preset.</summary>
public sealed record ModelShape
{
    public required string Name { get; init; }
    public ArchitectureKind Architecture { get; init; } = ArchitectureKind.Decoder;
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int NumKeyValueHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int VocabSize { get; init; }
    public required int MaxPositionEmbeddings { get; init; }
    public bool TieWordEmbeddings { get; init; }
    /// <summary>Bias vectors on the q, k and v projections (Qwen2).</summary>
    public bool QkvBias { get; init; }

    /// <summary>Folder the shape was read from, where a tokenizer may sit; null for a preset.</summary>
    public string? ModelDir { get; init; }

    /// <summary>Reads the dimensions from a parsed Hugging Face config.</summary>
    public static ModelShape FromConfig(ModelConfig config, string name, string? modelDir) => new()
    {
        Name = name,
        HiddenSize = config.HiddenSize,
        IntermediateSize = config.IntermediateSize,
        NumHiddenLayers = config.NumHiddenLayers,
        NumAttentionHeads = config.NumAttentionHeads,
        NumKeyValueHeads = config.NumKeyValueHeads,
        HeadDim = config.HeadDim,
        VocabSize = config.VocabSize,
        MaxPositionEmbeddings = config.MaxPositionEmbeddings,
        TieWordEmbeddings = config.TieWordEmbeddings,
        QkvBias = config.QkvBias,
        ModelDir = modelDir,
    };

    /// <summary>Width of the query projection's output, heads · head_dim.</summary>
    public long QueryWidth => (long)NumAttentionHeads * HeadDim;

    /// <summary>Width of the key and of the value projection's output, kv_heads · head_dim.</summary>
    public long KeyValueWidth => (long)NumKeyValueHeads * HeadDim;

    /// <summary>Weights of the linear projections in one layer: the part that 4-bit quantization stores in NF4.</summary>
    public long LinearWeightsPerLayer
    {
        get
        {
            long h = HiddenSize, i = IntermediateSize;
            long attention = h * QueryWidth + 2 * h * KeyValueWidth + QueryWidth * h;
            long mlp = Architecture == ArchitectureKind.Decoder ? 3 * h * i : 2 * h * i;
            return attention + mlp;
        }
    }

    /// <summary>Norm weights and biases in one layer, kept in 16 bits even under NF4.</summary>
    public long OtherParametersPerLayer
    {
        get
        {
            long h = HiddenSize;
            if (Architecture == ArchitectureKind.Encoder)
                return QueryWidth + 2 * KeyValueWidth + h + IntermediateSize + h + 4 * h; // biases and two LayerNorms
            long qkvBias = QkvBias ? QueryWidth + 2 * KeyValueWidth : 0;
            return 2 * h + qkvBias; // two RMSNorm weights
        }
    }

    /// <summary>Parameters outside the layers: embeddings, final norm, LM head (decoder) or pooler (encoder).</summary>
    public long OuterParameters
    {
        get
        {
            long h = HiddenSize, v = VocabSize;
            if (Architecture == ArchitectureKind.Encoder)
                return v * h + (long)MaxPositionEmbeddings * h + 2 * h + 2 * h + h * h + h; // token, position, type embeddings, norm, pooler
            long head = TieWordEmbeddings ? 0 : v * h;
            return v * h + h + head;
        }
    }

    /// <summary>Linear weights of all layers (the NF4-quantizable part).</summary>
    public long LinearParameters => LinearWeightsPerLayer * NumHiddenLayers;

    /// <summary>Every parameter of the model.</summary>
    public long TotalParameters => (LinearWeightsPerLayer + OtherParametersPerLayer) * NumHiddenLayers + OuterParameters;
}
