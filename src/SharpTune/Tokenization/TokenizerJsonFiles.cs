using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Data;

namespace SharpTune.Tokenization;

/// <summary>Readers for the JSON files of a Hugging Face model directory, raising input errors that name the file.</summary>
internal static class TokenizerJsonFiles
{
    /// <summary>Parses a JSON object file, or returns null when the file does not exist.</summary>
    public static JsonObject? ReadObjectOrNull(string path)
    {
        if (!File.Exists(path))
            return null;

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            var line = ex.LineNumber is long zeroBased ? zeroBased + 1 : (long?)null;
            throw SharpTuneInputException.At(path, line, null,
                $"invalid JSON ({JsonErrorText.Reason(ex)}); restore the file from the model's original release");
        }

        return node as JsonObject
            ?? throw SharpTuneInputException.At(path, null, null,
                "expected a JSON object at the top level; restore the file from the model's original release");
    }

    /// <summary>
    /// Reads a special-token entry of tokenizer_config.json, which Hugging Face writes either as a string
    /// or as an AddedToken object <c>{"content": ...}</c>. Returns null when the key is absent or null.
    /// </summary>
    public static string? ReadTokenContent(JsonObject config, string key, string path)
    {
        var node = config[key];
        if (node is null)
            return null;
        if (node is JsonValue value && value.TryGetValue(out string? text))
            return text;
        if (node is JsonObject obj && obj["content"] is JsonValue content && content.TryGetValue(out string? inner))
            return inner;
        throw SharpTuneInputException.At(path, null, key,
            $"expected a token string or an object with \"content\", found {node.ToJsonString()}; fix or remove the key");
    }

    /// <summary>Reads a token id key that may be one integer or a list of integers (as in generation_config.json).</summary>
    public static IReadOnlyList<long> ReadIds(JsonObject config, string key, string path)
    {
        var node = config[key];
        if (node is null)
            return [];
        if (node is JsonValue single && single.TryGetValue(out long id))
            return [id];
        if (node is JsonArray array && array.All(item => item is JsonValue v && v.TryGetValue(out long _)))
            return array.Select(item => item!.GetValue<long>()).ToList();
        throw SharpTuneInputException.At(path, null, key,
            $"expected a token id or a list of token ids, found {node.ToJsonString()}; fix or remove the key");
    }

    public static bool? ReadBool(JsonObject config, string key, string path)
    {
        var node = config[key];
        if (node is null)
            return null;
        if (node is JsonValue value && value.TryGetValue(out bool flag))
            return flag;
        throw SharpTuneInputException.At(path, null, key,
            $"expected true or false, found {node.ToJsonString()}; fix or remove the key");
    }

    /// <summary>
    /// Reads model_max_length. Hugging Face writes a huge placeholder (about 1e30) when the model sets no limit,
    /// so values beyond <see cref="int.MaxValue"/> mean "no limit" and return null.
    /// </summary>
    public static int? ReadMaxLength(JsonObject config, string key, string path)
    {
        var node = config[key];
        if (node is null)
            return null;
        if (node is JsonValue value && value.TryGetValue(out double length) && length >= 1)
            return length > int.MaxValue ? null : (int)length;
        throw SharpTuneInputException.At(path, null, key,
            $"expected a positive integer, found {node.ToJsonString()}; fix or remove the key");
    }
}
