using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpTune.Models.Bert;

/// <summary>The fields of a BERT <c>config.json</c> that the encoder uses, with transformers' defaults.</summary>
public sealed record BertConfig
{
    /// <summary>Architectures loadable as a BERT backbone; task heads in the checkpoint are skipped.</summary>
    public static readonly IReadOnlyList<string> SupportedArchitectures =
    [
        "BertModel", "BertForSequenceClassification", "BertForTokenClassification", "BertForMaskedLM", "BertForPreTraining",
    ];

    public required string Architecture { get; init; }
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int IntermediateSize { get; init; }
    public string HiddenAct { get; init; } = "gelu";
    public int MaxPositionEmbeddings { get; init; } = 512;
    public int TypeVocabSize { get; init; } = 2;
    public double LayerNormEps { get; init; } = 1e-12;
    public long PadTokenId { get; init; }
    public string TorchDtype { get; init; } = "float32";

    /// <summary>The original JSON, kept so that saving writes back every field.</summary>
    public JsonObject Raw { get; init; } = new();

    /// <summary>Whether <paramref name="modelDir"/>'s config.json names a BERT model (<c>model_type</c> bert).</summary>
    public static bool IsBert(string modelDir)
    {
        var path = Path.Combine(modelDir, "config.json");
        if (!File.Exists(path))
            return false;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path))?["model_type"]?.GetValue<string>() == "bert";
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Reads and checks <c>config.json</c> in <paramref name="modelDir"/>.</summary>
    public static BertConfig Load(string modelDir)
    {
        var path = Path.Combine(modelDir, "config.json");
        if (!File.Exists(path))
            throw SharpTuneInputException.At(path, null, null, "config.json not found; a Hugging Face model directory needs one");
        var json = JsonFiles.ReadObject(path);
        return Parse(json, path);
    }

    /// <summary>Parses a config object; <paramref name="path"/> names the source in error messages.</summary>
    public static BertConfig Parse(JsonObject json, string path)
    {
        var architecture = (json["architectures"] as JsonArray)?.FirstOrDefault()?.GetValue<string>();
        var modelType = json["model_type"]?.GetValue<string>();
        if (architecture is null ? modelType != "bert" : !SupportedArchitectures.Contains(architecture))
            throw SharpTuneInputException.At(path, null, architecture is null ? "model_type" : "architectures",
                $"unsupported encoder '{architecture ?? modelType}'; supported: {string.Join(", ", SupportedArchitectures)}");
        var positionType = json["position_embedding_type"]?.GetValue<string>() ?? "absolute";
        if (positionType != "absolute")
            throw SharpTuneInputException.At(path, null, "position_embedding_type",
                $"unsupported value '{positionType}'; only absolute position embeddings are supported");

        int hidden = Required(json, "hidden_size", path);
        int heads = Required(json, "num_attention_heads", path);
        if (hidden % heads != 0)
            throw SharpTuneInputException.At(path, null, "num_attention_heads", $"{heads} does not divide hidden_size {hidden}");
        return new BertConfig
        {
            Architecture = architecture ?? "BertModel",
            VocabSize = Required(json, "vocab_size", path),
            HiddenSize = hidden,
            NumHiddenLayers = Required(json, "num_hidden_layers", path),
            NumAttentionHeads = heads,
            IntermediateSize = Required(json, "intermediate_size", path),
            HiddenAct = json["hidden_act"]?.GetValue<string>() ?? "gelu",
            MaxPositionEmbeddings = Optional(json, "max_position_embeddings") ?? 512,
            TypeVocabSize = Optional(json, "type_vocab_size") ?? 2,
            LayerNormEps = json["layer_norm_eps"] is JsonValue eps && eps.TryGetValue<double>(out var e) ? e : 1e-12,
            PadTokenId = Optional(json, "pad_token_id") ?? 0,
            TorchDtype = json["torch_dtype"]?.GetValue<string>() ?? "float32",
            Raw = (JsonObject)json.DeepClone(),
        };
    }

    static int Required(JsonObject json, string key, string path) =>
        Optional(json, key) ?? throw SharpTuneInputException.At(path, null, key, "missing required integer field");

    static int? Optional(JsonObject json, string key) =>
        json[key] is JsonValue v && v.TryGetValue<double>(out var d) ? (int)d : null;
}
