using System.Text.Json.Nodes;
using SharpTune.Models.Families;

namespace SharpTune.Models;

/// <summary>Kind of normalisation layer a family uses.</summary>
public enum NormKind
{
    /// <summary>RMSNorm with weight <c>w</c>: <c>w * x / rms(x)</c> (Llama, Qwen, Mistral, Phi-3).</summary>
    Rms,
    /// <summary>RMSNorm with weight <c>1 + w</c>, computed in float32 throughout (Gemma).</summary>
    RmsOffsetOne,
    /// <summary>LayerNorm with weight and bias (GPT-2).</summary>
    Layer,
}

// Family detection and the per-family switches of the decoder.
public sealed partial record ModelConfig
{
    public DecoderFamily Family { get; init; } = DecoderFamily.Llama;

    /// <summary>The family's Hugging Face module names.</summary>
    public DecoderNames Names => DecoderFamilies.Names(Family);

    /// <summary><c>rope_scaling</c>, or null for plain RoPE.</summary>
    public RopeScaling? RopeScaling { get; init; }

    /// <summary>Fraction of each head's dimensions that RoPE rotates (Phi-3's <c>partial_rotary_factor</c>); the rest pass through.</summary>
    public double PartialRotaryFactor { get; init; } = 1.0;

    /// <summary>Number of rotated dimensions per head.</summary>
    public int RotaryDim => (int)(HeadDim * PartialRotaryFactor);

    public NormKind NormKind { get; init; } = NormKind.Rms;

    /// <summary>MLP activation as transformers names it: silu, gelu_pytorch_tanh, gelu_new or gelu.</summary>
    public string HiddenActivation { get; init; } = "silu";

    /// <summary>Whether the MLP is gated (<c>down(act(gate) * up)</c>); GPT-2's is <c>down(act(up))</c>.</summary>
    public bool GatedMlp { get; init; } = true;

    /// <summary>Whether queries and keys get a per-head RMSNorm over head_dim before RoPE (Qwen3, Gemma 3).</summary>
    public bool QkNorm { get; init; }

    /// <summary>
    /// Whether each layer has Gemma's four norms: the attention output is normed before the residual add, and the
    /// MLP has <c>pre_feedforward_layernorm</c> and <c>post_feedforward_layernorm</c>.
    /// </summary>
    public bool FeedForwardNorms { get; init; }

    /// <summary>Whether the token embeddings are multiplied by sqrt(hidden_size) (Gemma).</summary>
    public bool ScaleEmbeddings { get; init; }

    /// <summary>Attention score scale; null for 1/sqrt(head_dim). Gemma uses query_pre_attn_scalar^-0.5.</summary>
    public double? AttentionScale { get; init; }

    /// <summary>Attention scores become <c>cap * tanh(score / cap)</c> before masking (Gemma 2); null for none.</summary>
    public double? AttnLogitSoftcapping { get; init; }

    /// <summary>Logits become <c>cap * tanh(logit / cap)</c> (Gemma 2); null for none.</summary>
    public double? FinalLogitSoftcapping { get; init; }

    /// <summary>
    /// Per layer, whether it uses the sliding window (Gemma's alternating local and global layers); null means every
    /// layer follows <see cref="SlidingWindow"/>.
    /// </summary>
    public IReadOnlyList<bool>? SlidingLayers { get; init; }

    /// <summary>RoPE base of sliding-window layers (Gemma 3's <c>rope_local_base_freq</c>); null means <see cref="RopeTheta"/>.</summary>
    public double? LocalRopeTheta { get; init; }

    /// <summary>Whether positions come from a learned table (GPT-2's <c>wpe</c>) instead of RoPE.</summary>
    public bool LearnedPositions => Family == DecoderFamily.Gpt2;

    /// <summary>The sliding window of layer <paramref name="layer"/>, or null when it attends to the full causal prefix.</summary>
    public int? LayerSlidingWindow(int layer)
    {
        if (SlidingLayers is null || SlidingLayers[layer])
            return SlidingWindow;
        return null;
    }

    /// <summary>Whether layer <paramref name="layer"/> uses the local RoPE base and no RoPE scaling (Gemma 3 local layers).</summary>
    public bool UsesLocalRope(int layer) => LocalRopeTheta is not null && SlidingLayers is not null && SlidingLayers[layer];

    static (DecoderFamily Family, string Architecture) DetectFamily(JsonObject json, string path)
    {
        var architecture = (json["architectures"] as JsonArray)?.FirstOrDefault()?.GetValue<string>();
        var modelType = json["model_type"]?.GetValue<string>();
        if (architecture is not null && DecoderFamilies.ByArchitecture.TryGetValue(architecture, out var byArchitecture))
            return (byArchitecture, architecture);
        if (modelType is not null && DecoderFamilies.ByModelType.TryGetValue(modelType, out var byType))
            return (byType, architecture ?? DecoderFamilies.ByArchitecture.First(p => p.Value == byType).Key);

        var supported = $"supported decoders: {string.Join(", ", SupportedArchitectures)} " +
            $"(model_type {string.Join(", ", DecoderFamilies.ByModelType.Keys)}); encoders (BertModel) load with BertModel.Load";
        if (architecture is null && modelType is null)
            throw SharpTuneInputException.At(path, null, "architectures", $"missing, and so is model_type; {supported}");
        var field = architecture is not null ? "architectures" : "model_type";
        throw SharpTuneInputException.At(path, null, field,
            $"unsupported model '{architecture ?? modelType}' (model_type '{modelType}'); {supported}");
    }

    static ModelConfig ParseGpt2(JsonObject json, string path, string architecture)
    {
        int hidden = RequiredInt(json, "n_embd", path);
        int heads = RequiredInt(json, "n_head", path);
        if (OptionalBool(json, "scale_attn_by_inverse_layer_idx") == true || OptionalBool(json, "reorder_and_upcast_attn") == true)
            throw SharpTuneInputException.At(path, null, "scale_attn_by_inverse_layer_idx",
                "GPT-2 variants with scale_attn_by_inverse_layer_idx or reorder_and_upcast_attn are not supported; set both to false");
        return new ModelConfig
        {
            Family = DecoderFamily.Gpt2,
            Architecture = architecture,
            ModelType = "gpt2",
            HiddenSize = hidden,
            IntermediateSize = OptionalInt(json, "n_inner") ?? 4 * hidden,
            NumHiddenLayers = RequiredInt(json, "n_layer", path),
            NumAttentionHeads = heads,
            NumKeyValueHeads = heads,
            HeadDim = hidden / heads,
            VocabSize = RequiredInt(json, "vocab_size", path),
            MaxPositionEmbeddings = OptionalInt(json, "n_positions") ?? 1024,
            RmsNormEps = OptionalDouble(json, "layer_norm_epsilon") ?? 1e-5,
            TieWordEmbeddings = OptionalBool(json, "tie_word_embeddings") ?? true,
            QkvBias = true,
            OutputBias = true,
            MlpBias = true,
            BosTokenId = OptionalLong(json["bos_token_id"]),
            EosTokenIds = LongList(json["eos_token_id"]),
            PadTokenId = OptionalLong(json["pad_token_id"]),
            TorchDtype = json["torch_dtype"]?.GetValue<string>() ?? "float32",
            InitializerRange = OptionalDouble(json, "initializer_range") ?? 0.02,
            Raw = (JsonObject)json.DeepClone(),
            NormKind = NormKind.Layer,
            HiddenActivation = json["activation_function"]?.GetValue<string>() ?? "gelu_new",
            GatedMlp = false,
        };
    }

    static RopeScaling? ParseRopeScaling(JsonObject json, string path)
    {
        if (json["rope_scaling"] is not JsonObject scaling)
            return null;
        var type = (scaling["rope_type"] ?? scaling["type"])?.GetValue<string>() ?? "default";
        if (!RopeScaling.SupportedTypes.Contains(type))
            throw SharpTuneInputException.At(path, null, "rope_scaling.rope_type",
                $"unsupported value '{type}'; supported: {string.Join(", ", RopeScaling.SupportedTypes)}");
        if (type == "default")
            return null;
        var factor = OptionalDouble(scaling, "factor")
            ?? throw SharpTuneInputException.At(path, null, "rope_scaling.factor", $"missing; rope type '{type}' needs a factor");
        return new RopeScaling(type, factor,
            LowFreqFactor: OptionalDouble(scaling, "low_freq_factor") ?? 1.0,
            HighFreqFactor: OptionalDouble(scaling, "high_freq_factor") ?? 4.0,
            OriginalMaxPositionEmbeddings: OptionalInt(scaling, "original_max_position_embeddings"),
            BetaFast: OptionalDouble(scaling, "beta_fast") ?? 32.0,
            BetaSlow: OptionalDouble(scaling, "beta_slow") ?? 1.0,
            AttentionFactor: OptionalDouble(scaling, "attention_factor"));
    }

    static ModelConfig WithFamilySwitches(ModelConfig config, JsonObject json, string path)
    {
        switch (config.Family)
        {
            case DecoderFamily.Qwen3:
                return config with
                {
                    QkNorm = true,
                    SlidingWindow = OptionalBool(json, "use_sliding_window") == true ? config.SlidingWindow : null,
                };
            case DecoderFamily.Gemma2:
            case DecoderFamily.Gemma3:
                // Defaults of transformers' Gemma2Config and Gemma3TextConfig for keys a config.json leaves out.
                bool gemma3 = config.Family == DecoderFamily.Gemma3;
                var activation = (json["hidden_activation"] ?? json["hidden_act"])?.GetValue<string>() ?? "gelu_pytorch_tanh";
                return config with
                {
                    NormKind = NormKind.RmsOffsetOne,
                    HiddenActivation = activation,
                    FeedForwardNorms = true,
                    ScaleEmbeddings = true,
                    QkNorm = gemma3,
                    TieWordEmbeddings = OptionalBool(json, "tie_word_embeddings") ?? true,
                    SlidingWindow = json.ContainsKey("sliding_window") ? config.SlidingWindow : 4096,
                    RopeTheta = json.ContainsKey("rope_theta") ? config.RopeTheta : gemma3 ? 1_000_000.0 : 10000.0,
                    AttentionScale = Math.Pow(OptionalDouble(json, "query_pre_attn_scalar") ?? 256, -0.5),
                    AttnLogitSoftcapping = DefaultedDouble(json, "attn_logit_softcapping", gemma3 ? null : 50.0),
                    FinalLogitSoftcapping = DefaultedDouble(json, "final_logit_softcapping", gemma3 ? null : 30.0),
                    SlidingLayers = GemmaSlidingLayers(json, config.NumHiddenLayers, gemma3 ? 6 : 2, path),
                    LocalRopeTheta = gemma3 ? OptionalDouble(json, "rope_local_base_freq") ?? 10000.0 : null,
                };
            default:
                return config;
        }
    }

    // A key that is absent takes the default, and an explicit null stays null.
    static double? DefaultedDouble(JsonObject json, string key, double? defaultValue) =>
        json.ContainsKey(key) ? OptionalDouble(json, key) : defaultValue;

    // transformers derives layer_types as "sliding" unless (i + 1) is a multiple of the pattern (2 for Gemma 2,
    // sliding_window_pattern, default 6, for Gemma 3); newer configs list layer_types explicitly.
    static IReadOnlyList<bool> GemmaSlidingLayers(JsonObject json, int layers, int defaultPattern, string path)
    {
        if (json["layer_types"] is JsonArray types)
        {
            if (types.Count != layers)
                throw SharpTuneInputException.At(path, null, "layer_types", $"has {types.Count} entries but num_hidden_layers is {layers}");
            return types.Select(t => t?.GetValue<string>() == "sliding_attention").ToList();
        }
        int pattern = OptionalInt(json, "sliding_window_pattern") ?? defaultPattern;
        return Enumerable.Range(0, layers).Select(i => (i + 1) % pattern != 0).ToList();
    }
}
