using System.Text.Json.Nodes;

namespace SharpTune.Tokenization;

/// <summary>Token string to id map read from tokenizer.json: the model vocabulary plus <c>added_tokens</c>.</summary>
internal sealed class TokenizerVocabulary
{
    readonly Dictionary<string, long> _ids = new(StringComparer.Ordinal);
    readonly Dictionary<long, string> _specialContent = new();

    /// <summary>Highest token id plus one.</summary>
    public int Size { get; private set; }

    public TokenizerVocabulary(JsonObject tokenizerJson, string path)
    {
        switch (tokenizerJson["model"]?["vocab"])
        {
            // BPE, WordPiece and WordLevel store {"token": id}.
            case JsonObject map:
                foreach (var (token, id) in map)
                    Add(token, ReadId(id, path, "model.vocab"));
                break;

            // Unigram stores [["token", score], ...] and the id is the index.
            case JsonArray list:
                for (var i = 0; i < list.Count; i++)
                {
                    if (list[i] is JsonArray { Count: > 0 } pair && pair[0] is JsonValue token)
                        Add(token.GetValue<string>(), i);
                }
                break;

            default:
                throw SharpTuneInputException.At(path, null, "model.vocab",
                    "missing or not a vocabulary; use a tokenizer.json saved by Hugging Face tokenizers");
        }

        if (tokenizerJson["added_tokens"] is JsonArray added)
        {
            foreach (var entry in added)
            {
                if (entry?["content"] is JsonValue content)
                {
                    var id = ReadId(entry["id"], path, "added_tokens");
                    Add(content.GetValue<string>(), id);
                    if (entry["special"] is JsonValue special && special.TryGetValue<bool>(out var isSpecial) && isSpecial)
                        _specialContent[id] = content.GetValue<string>();
                }
            }
        }
    }

    public long? IdOf(string content) => _ids.TryGetValue(content, out var id) ? id : null;

    /// <summary>The text of a special added token (<c>"special": true</c>), or null for any other id.</summary>
    public string? SpecialContentOf(long id) => _specialContent.GetValueOrDefault(id);

    void Add(string token, long id)
    {
        _ids[token] = id;
        Size = (int)Math.Max(Size, id + 1);
    }

    static long ReadId(JsonNode? node, string path, string field)
    {
        if (node is JsonValue value && value.TryGetValue(out long id) && id >= 0)
            return id;
        throw SharpTuneInputException.At(path, null, field,
            $"expected a non-negative token id, found {node?.ToJsonString() ?? "null"}; the file is damaged, restore it");
    }
}
