using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SharpTune.Tokenization;

namespace SharpTune.Export;

/// <summary>
/// A tokenizer as llama.cpp reads it from GGUF's <c>tokenizer.ggml.*</c> keys. Two kinds exist:
/// <c>llama</c> (SentencePiece-style: tokens with scores and token types, merged by score, byte fallback) and
/// <c>gpt2</c> (byte-level BPE: tokens, token types and ranked merges).
/// </summary>
public sealed partial record GgufVocabulary
{
    public required string Model { get; init; }
    /// <summary>llama.cpp's pre-tokenizer name for <c>gpt2</c> vocabularies (tokenizer.ggml.pre), or null.</summary>
    public string? PreTokenizer { get; init; }
    public required IReadOnlyList<string> Tokens { get; init; }
    public required IReadOnlyList<float> Scores { get; init; }
    /// <summary>Token types numbered as SentencePiece does (see <see cref="SentencePiece.Type"/>).</summary>
    public required IReadOnlyList<int> TokenTypes { get; init; }
    /// <summary>Ranked merges as "left right", for <c>gpt2</c> vocabularies.</summary>
    public IReadOnlyList<string> Merges { get; init; } = [];
    /// <summary>Whether the <c>llama</c> tokenizer prepends "▁" to the text, as SentencePiece's add_dummy_prefix does.</summary>
    public bool AddSpacePrefix { get; init; }
    public long? UnknownId { get; init; }

    /// <summary>
    /// Builds the vocabulary of the model folder <paramref name="modelDir"/>, padded with unused tokens up to
    /// <paramref name="vocabSize"/> embedding rows. A SentencePiece model file (<c>tokenizer.model</c>, or the one
    /// <c>*.model</c> file) supplies scores and types; without one, tokenizer.json decides: BPE with byte fallback
    /// becomes <c>llama</c> with scores from the merge ranks, other BPE becomes <c>gpt2</c>.
    /// </summary>
    public static GgufVocabulary Load(string modelDir, int vocabSize, string modelType)
    {
        var tokenizerPath = Path.Combine(modelDir, "tokenizer.json");
        var json = TokenizerJsonFiles.ReadObjectOrNull(tokenizerPath)
            ?? throw SharpTuneInputException.At(tokenizerPath, null, null, "tokenizer.json not found; GGUF export needs the model's Hugging Face tokenizer");
        var model = json["model"] as JsonObject
            ?? throw SharpTuneInputException.At(tokenizerPath, null, "model", "missing; use a tokenizer.json saved by Hugging Face tokenizers");
        var byId = TokensById(json, tokenizerPath);
        var added = AddedTokens(json);
        var unknownText = model["unk_token"]?.GetValue<string>();
        long? unknownId = unknownText is not null && byId.FirstOrDefault(p => p.Value == unknownText) is { Value: not null } u ? u.Key : null;

        var spPath = FindSentencePieceFile(modelDir);
        var modelKind = model["type"]?.GetValue<string>();
        bool byteFallback = model["byte_fallback"]?.GetValue<bool>() ?? false;

        GgufVocabulary vocabulary;
        if (spPath is not null)
            vocabulary = FromSentencePiece(spPath, byId, added, tokenizerPath);
        else if (modelKind == "BPE" && byteFallback)
            vocabulary = FromByteFallbackBpe(model, byId, added, unknownId, tokenizerPath);
        else if (modelKind == "BPE")
            vocabulary = FromByteLevelBpe(model, byId, added, modelType, tokenizerPath);
        else
            throw SharpTuneInputException.At(tokenizerPath, null, "model.type",
                $"'{modelKind}' without a SentencePiece tokenizer.model cannot be exported to GGUF; add the model's tokenizer.model file");

        return vocabulary.PadTo(vocabSize, tokenizerPath) with { UnknownId = unknownId, AddSpacePrefix = PrependsSpace(json) };
    }

    static string? FindSentencePieceFile(string modelDir)
    {
        var standard = Path.Combine(modelDir, "tokenizer.model");
        if (File.Exists(standard))
            return standard;
        var candidates = Directory.GetFiles(modelDir, "*.model");
        return candidates.Length == 1 ? candidates[0] : null;
    }

    static GgufVocabulary FromSentencePiece(string spPath, IReadOnlyDictionary<long, string> byId,
        IReadOnlyDictionary<long, bool> added, string tokenizerPath)
    {
        var pieces = SentencePieceModel.Read(spPath);
        var tokens = pieces.Select(p => p.Piece).ToList();
        var scores = pieces.Select(p => p.Score).ToList();
        var types = pieces.Select(p => p.Type).ToList();
        for (int id = 0; id < pieces.Count; id++)
        {
            if (byId.TryGetValue(id, out var text) && text != pieces[id].Piece)
                throw SharpTuneInputException.At(spPath, null, $"pieces[{id}]",
                    $"piece '{pieces[id].Piece}' differs from tokenizer.json's token '{text}' with the same id; the two files come from different tokenizers");
        }

        // Tokens added on top of the SentencePiece vocabulary (chat markers, for example) exist only in tokenizer.json.
        foreach (var (id, special) in added.Where(a => a.Key >= pieces.Count).OrderBy(a => a.Key))
        {
            FillGap(tokens, scores, types, id);
            tokens.Add(byId[id]);
            scores.Add(0);
            types.Add(special ? SentencePieceModel.Control : SentencePieceModel.UserDefined);
        }
        return new GgufVocabulary { Model = "llama", Tokens = tokens, Scores = scores, TokenTypes = types };
    }

    static GgufVocabulary FromByteFallbackBpe(JsonObject model, IReadOnlyDictionary<long, string> byId,
        IReadOnlyDictionary<long, bool> added, long? unknownId, string tokenizerPath)
    {
        // llama.cpp's SentencePiece tokenizer merges the adjacent pair whose joined text has the highest score,
        // so a token made by merge number k scores -k and earlier merges win, as BPE ranks them.
        var merges = ReadMerges(model, tokenizerPath);
        var rank = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < merges.Count; k++)
            rank.TryAdd(merges[k].Replace(" ", ""), k);

        var tokens = new List<string>();
        var scores = new List<float>();
        var types = new List<int>();
        foreach (var (id, text) in byId.OrderBy(p => p.Key))
        {
            FillGap(tokens, scores, types, id);
            tokens.Add(text);
            scores.Add(rank.TryGetValue(text, out var k) ? -k : -merges.Count);
            types.Add(id == unknownId ? SentencePieceModel.Unknown
                : added.TryGetValue(id, out var special) ? (special ? SentencePieceModel.Control : SentencePieceModel.UserDefined)
                : ByteToken().IsMatch(text) ? SentencePieceModel.Byte
                : SentencePieceModel.Normal);
        }
        return new GgufVocabulary { Model = "llama", Tokens = tokens, Scores = scores, TokenTypes = types };
    }

    static GgufVocabulary FromByteLevelBpe(JsonObject model, IReadOnlyDictionary<long, string> byId,
        IReadOnlyDictionary<long, bool> added, string modelType, string tokenizerPath)
    {
        var tokens = new List<string>();
        var scores = new List<float>();
        var types = new List<int>();
        foreach (var (id, text) in byId.OrderBy(p => p.Key))
        {
            FillGap(tokens, scores, types, id);
            tokens.Add(text);
            scores.Add(0);
            types.Add(added.TryGetValue(id, out var special)
                ? (special ? SentencePieceModel.Control : SentencePieceModel.UserDefined)
                : SentencePieceModel.Normal);
        }

        // NOTE: llama.cpp picks its pre-tokenizer regex by this name, and its converter chooses the name from a
        // hash of sample encodings. Here the name comes from the vocabulary instead: Llama 3 ("llama-bpe") when
        // its special tokens are present, otherwise llama.cpp's "default" regex, which may split text differently.
        var pre = byId.Values.Contains("<|begin_of_text|>") ? "llama-bpe" : "default";
        return new GgufVocabulary
        {
            Model = "gpt2",
            PreTokenizer = pre,
            Tokens = tokens,
            Scores = scores,
            TokenTypes = types,
            Merges = ReadMerges(model, tokenizerPath),
        };
    }

    // Ids missing from tokenizer.json become unused placeholder tokens, as llama.cpp's converter writes them.
    static void FillGap(List<string> tokens, List<float> scores, List<int> types, long id)
    {
        while (tokens.Count < id)
        {
            tokens.Add($"[PAD{tokens.Count}]");
            scores.Add(0);
            types.Add(SentencePieceModel.Unused);
        }
    }

    GgufVocabulary PadTo(int vocabSize, string tokenizerPath)
    {
        if (Tokens.Count > vocabSize)
            throw SharpTuneInputException.At(tokenizerPath, null, "model.vocab",
                $"the tokenizer has {Tokens.Count} tokens but the model's embedding has only {vocabSize} rows; use the tokenizer of this model");
        var tokens = Tokens.ToList();
        var scores = Scores.ToList();
        var types = TokenTypes.ToList();
        FillGap(tokens, scores, types, vocabSize);
        return this with { Tokens = tokens, Scores = scores, TokenTypes = types };
    }

    static Dictionary<long, string> TokensById(JsonObject json, string path)
    {
        var byId = new Dictionary<long, string>();
        switch (json["model"]?["vocab"])
        {
            case JsonObject map:
                foreach (var (token, id) in map)
                    byId[id!.GetValue<long>()] = token;
                break;
            case JsonArray list:
                for (int i = 0; i < list.Count; i++)
                    byId[i] = list[i]![0]!.GetValue<string>();
                break;
            default:
                throw SharpTuneInputException.At(path, null, "model.vocab", "missing; use a tokenizer.json saved by Hugging Face tokenizers");
        }
        if (json["added_tokens"] is JsonArray added)
            foreach (var entry in added)
                byId[entry!["id"]!.GetValue<long>()] = entry["content"]!.GetValue<string>();
        return byId;
    }

    /// <summary>Ids of tokenizer.json's added_tokens, mapped to their <c>special</c> flag.</summary>
    static Dictionary<long, bool> AddedTokens(JsonObject json)
    {
        var added = new Dictionary<long, bool>();
        if (json["added_tokens"] is JsonArray entries)
            foreach (var entry in entries)
                added[entry!["id"]!.GetValue<long>()] = entry["special"]?.GetValue<bool>() ?? false;
        return added;
    }

    /// <summary>Merges as "left right"; tokenizers writes them either that way or as [left, right] pairs.</summary>
    static List<string> ReadMerges(JsonObject model, string path) => model["merges"] switch
    {
        JsonArray merges => merges.Select(m => m switch
        {
            JsonValue v => v.GetValue<string>(),
            JsonArray { Count: 2 } pair => $"{pair[0]!.GetValue<string>()} {pair[1]!.GetValue<string>()}",
            _ => throw SharpTuneInputException.At(path, null, "model.merges", $"invalid merge {m?.ToJsonString()}; expected \"a b\" or [\"a\", \"b\"]"),
        }).ToList(),
        _ => [],
    };

    // Llama-style tokenizer.json files prepend "▁" with a Prepend normalizer (legacy) or a Metaspace pre-tokenizer.
    static bool PrependsSpace(JsonObject json) =>
        Components(json["normalizer"]).Any(c => (string?)c["type"] == "Prepend" && (string?)c["prepend"] == "\u2581")
        || Components(json["pre_tokenizer"]).Any(c => (string?)c["type"] == "Metaspace"
            && (string?)c["prepend_scheme"] != "never" && c["add_prefix_space"]?.GetValue<bool>() != false);

    /// <summary>A normalizer or pre-tokenizer and, for a Sequence, its members.</summary>
    static IEnumerable<JsonObject> Components(JsonNode? node)
    {
        if (node is not JsonObject component)
            yield break;
        yield return component;
        foreach (var key in new[] { "normalizers", "pretokenizers" })
            if (component[key] is JsonArray members)
                foreach (var member in members.SelectMany(Components))
                    yield return member;
    }

    [GeneratedRegex("^<0x[0-9A-Fa-f]{2}>$")]
    private static partial Regex ByteToken();
}
