using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Models.Families;

namespace SharpTune.Models;

/// <summary>
/// The fields of a Hugging Face <c>config.json</c> that the decoder uses. Every supported family
/// (<see cref="DecoderFamily"/>) is the same decoder with switches set here, so one record covers them.
/// </summary>
public sealed partial record ModelConfig
{
    /// <summary>Architectures SharpTune can load as decoders, as written in <c>config.json</c>'s <c>architectures</c>.</summary>
    public static readonly IReadOnlyList<string> SupportedArchitectures = DecoderFamilies.ByArchitecture.Keys.ToList();

    public required string Architecture { get; init; }
    public required string ModelType { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int NumKeyValueHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int VocabSize { get; init; }
    public int MaxPositionEmbeddings { get; init; } = 2048;
    /// <summary>Epsilon of every norm: <c>rms_norm_eps</c>, or <c>layer_norm_epsilon</c> for GPT-2.</summary>
    public double RmsNormEps { get; init; } = 1e-6;
    public double RopeTheta { get; init; } = 10000.0;
    public bool TieWordEmbeddings { get; init; }
    /// <summary>Bias on q/k/v projections (Qwen2 sets it; Llama's <c>attention_bias</c> also covers o_proj).</summary>
    public bool QkvBias { get; init; }
    public bool OutputBias { get; init; }
    public bool MlpBias { get; init; }
    /// <summary>Mistral-style sliding attention window in tokens, or null for full causal attention.</summary>
    public int? SlidingWindow { get; init; }
    public long? BosTokenId { get; init; }
    public IReadOnlyList<long> EosTokenIds { get; init; } = [];
    public long? PadTokenId { get; init; }
    public string TorchDtype { get; init; } = "float32";
    public double InitializerRange { get; init; } = 0.02;

    /// <summary>The original JSON, kept so that saving writes back every field, including ones SharpTune ignores.</summary>
    public JsonObject Raw { get; init; } = new();

    /// <summary>Reads and checks <c>config.json</c> in <paramref name="modelDir"/>.</summary>
    public static ModelConfig Load(string modelDir)
    {
        if (!Directory.Exists(modelDir))
            throw SharpTuneInputException.At(modelDir, null, null,
                "model folder not found; pass a Hugging Face model directory that holds config.json and model.safetensors");
        var path = Path.Combine(modelDir, "config.json");
        if (!File.Exists(path))
            throw SharpTuneInputException.At(path, null, null, "config.json not found; a Hugging Face model directory needs one");

        var json = JsonFiles.ReadObject(path);
        return Parse(json, path);
    }

    /// <summary>Parses a config object; <paramref name="path"/> names the source in error messages.</summary>
    public static ModelConfig Parse(JsonObject json, string path)
    {
        var (family, architecture) = DetectFamily(json, path);
        if (family == DecoderFamily.Gpt2)
            return ParseGpt2(json, path, architecture);

        int hidden = RequiredInt(json, "hidden_size", path);
        int heads = RequiredInt(json, "num_attention_heads", path);
        int kvHeads = OptionalInt(json, "num_key_value_heads") ?? heads;
        int headDim = OptionalInt(json, "head_dim") ?? hidden / heads;
        if (heads % kvHeads != 0)
            throw SharpTuneInputException.At(path, null, "num_key_value_heads",
                $"{kvHeads} does not divide num_attention_heads {heads}");

        var modelType = json["model_type"]?.GetValue<string>() ?? "llama";
        bool attentionBias = OptionalBool(json, "attention_bias") ?? false;
        bool isQwen2 = family == DecoderFamily.Qwen2;
        int? slidingWindow = OptionalInt(json, "sliding_window");
        if (isQwen2 && OptionalBool(json, "use_sliding_window") != true)
            slidingWindow = null; // Qwen2 ships a sliding_window value but only uses it when use_sliding_window is true.

        var config = new ModelConfig
        {
            Family = family,
            Architecture = architecture,
            ModelType = modelType,
            HiddenSize = hidden,
            IntermediateSize = RequiredInt(json, "intermediate_size", path),
            NumHiddenLayers = RequiredInt(json, "num_hidden_layers", path),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            VocabSize = RequiredInt(json, "vocab_size", path),
            MaxPositionEmbeddings = OptionalInt(json, "max_position_embeddings") ?? 2048,
            RmsNormEps = OptionalDouble(json, "rms_norm_eps") ?? 1e-6,
            RopeTheta = OptionalDouble(json, "rope_theta") ?? 10000.0,
            TieWordEmbeddings = OptionalBool(json, "tie_word_embeddings") ?? false,
            QkvBias = isQwen2 || attentionBias,
            OutputBias = attentionBias,
            MlpBias = OptionalBool(json, "mlp_bias") ?? false,
            SlidingWindow = slidingWindow,
            BosTokenId = OptionalLong(json["bos_token_id"]),
            EosTokenIds = LongList(json["eos_token_id"]),
            PadTokenId = OptionalLong(json["pad_token_id"]),
            TorchDtype = json["torch_dtype"]?.GetValue<string>() ?? "float32",
            InitializerRange = OptionalDouble(json, "initializer_range") ?? 0.02,
            Raw = (JsonObject)json.DeepClone(),
            RopeScaling = ParseRopeScaling(json, path),
            PartialRotaryFactor = OptionalDouble(json, "partial_rotary_factor") ?? 1.0,
        };
        config.Validate(path);
        var withFamily = WithFamilySwitches(config, json, path);
        withFamily.CheckActivation(path);
        return withFamily;
    }

    /// <summary>Rejects values the decoder cannot run correctly, instead of computing wrong numbers.</summary>
    void Validate(string path)
    {
        foreach (var (key, value) in new[]
        {
            ("hidden_size", HiddenSize), ("intermediate_size", IntermediateSize), ("num_hidden_layers", NumHiddenLayers),
            ("num_attention_heads", NumAttentionHeads), ("num_key_value_heads", NumKeyValueHeads), ("head_dim", HeadDim),
            ("vocab_size", VocabSize), ("max_position_embeddings", MaxPositionEmbeddings),
        })
        {
            if (value <= 0)
                throw SharpTuneInputException.At(path, null, key, $"must be a positive integer, got {value}");
        }
        if (!(RmsNormEps > 0))
            throw SharpTuneInputException.At(path, null, "rms_norm_eps", $"must be positive, got {RmsNormEps}");
        if (!(RopeTheta > 0))
            throw SharpTuneInputException.At(path, null, "rope_theta", $"must be positive, got {RopeTheta}");
    }

    /// <summary>Rejects a declared <c>hidden_act</c> that differs from the activation the family's decoder runs.</summary>
    void CheckActivation(string path)
    {
        var declared = Raw["hidden_act"] is JsonValue value && value.TryGetValue<string>(out var name) ? name : null;
        if (declared is not null && declared != HiddenActivation)
            throw SharpTuneInputException.At(path, null, "hidden_act",
                $"'{declared}' is not supported for {Architecture}; this decoder runs {HiddenActivation}");
    }

    /// <summary>Returns the config as <c>config.json</c> text, with <paramref name="torchDtype"/> recorded.</summary>
    public string ToJson(string? torchDtype = null)
    {
        var json = (JsonObject)Raw.DeepClone();
        if (torchDtype is not null)
            json["torch_dtype"] = torchDtype;
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    static int RequiredInt(JsonObject json, string key, string path) =>
        OptionalInt(json, key) ?? throw SharpTuneInputException.At(path, null, key,
            json[key] is null ? "missing required integer field" : $"expected an integer, got {json[key]!.ToJsonString()}");

    static int? OptionalInt(JsonObject json, string key) =>
        json[key] is JsonValue v && v.TryGetValue<double>(out var d) ? (int)d : null;

    static double? OptionalDouble(JsonObject json, string key) =>
        json[key] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    static bool? OptionalBool(JsonObject json, string key) =>
        json[key] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    static long? OptionalLong(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<double>(out var d) ? (long)d : null;

    static IReadOnlyList<long> LongList(JsonNode? node) => node switch
    {
        JsonArray array => array.Select(OptionalLong).OfType<long>().ToList(),
        JsonValue => OptionalLong(node) is long id ? [id] : [],
        _ => [],
    };
}
