using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpTune;

/// <summary>Reads the small JSON files of model and adapter folders, with input errors that name the file and line.</summary>
public static class JsonFiles
{
    /// <summary>Parses <paramref name="path"/>, which must exist and hold a JSON object.</summary>
    public static JsonObject ReadObject(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw SharpTuneInputException.At(path, null, null, "expected a JSON object");
        }
        catch (JsonException e)
        {
            throw SharpTuneInputException.At(path, (e.LineNumber ?? 0) + 1, null, $"invalid JSON: {e.Message}");
        }
    }
}
