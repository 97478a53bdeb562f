using System.Text.Encodings.Web;
using System.Text.Json;

namespace SharpTune.Models.Safetensors;

/// <summary>
/// The <c>model.safetensors.index.json</c> of a sharded checkpoint: which shard file contains each tensor.
/// </summary>
/// <param name="WeightMap">Tensor name to shard file name, the file being in the index's folder.</param>
/// <param name="TotalSize">The index's <c>metadata.total_size</c>, the sum of the tensors' data bytes, when present.</param>
internal sealed record SafetensorsIndex(IReadOnlyDictionary<string, string> WeightMap, long? TotalSize)
{
    internal const string FileName = "model.safetensors.index.json";

    /// <summary>Reads and validates an index file.</summary>
    /// <exception cref="SharpTuneInputException">The JSON is invalid, <c>weight_map</c> is missing or malformed,
    /// or a shard name is not a plain file name.</exception>
    internal static SafetensorsIndex Read(string path)
    {
        const string RewriteAdvice = "save or download the checkpoint again";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw SharpTuneInputException.At(path, e.LineNumber + 1, null, $"invalid JSON ({e.Message}); {RewriteAdvice}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("weight_map", out var weightMap)
                || weightMap.ValueKind != JsonValueKind.Object)
                throw SharpTuneInputException.At(path, null, "weight_map", $"missing or not an object of tensor name to shard file; {RewriteAdvice}");

            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in weightMap.EnumerateObject())
            {
                var field = $"weight_map.{entry.Name}";
                if (entry.Value.ValueKind != JsonValueKind.String)
                    throw SharpTuneInputException.At(path, null, field, $"expected a shard file name, found a {entry.Value.ValueKind}; {RewriteAdvice}");

                // Shards live beside the index, so a path here would point outside the checkpoint.
                var shard = entry.Value.GetString()!;
                if (shard.Length == 0 || shard is "." or ".." || shard.IndexOfAny(['/', '\\']) >= 0)
                    throw SharpTuneInputException.At(path, null, field, $"\"{shard}\" is not a file name in the index's folder; {RewriteAdvice}");
                if (!map.TryAdd(entry.Name, shard))
                    throw SharpTuneInputException.At(path, null, field, $"the tensor is listed twice; {RewriteAdvice}");
            }

            long? totalSize = null;
            if (root.TryGetProperty("metadata", out var metadata)
                && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty("total_size", out var total)
                && total.ValueKind == JsonValueKind.Number
                && total.TryGetInt64(out var size))
                totalSize = size;

            return new SafetensorsIndex(map, totalSize);
        }
    }

    /// <summary>
    /// Writes the index as <c>save_pretrained</c> does: keys sorted, two-space indent, a trailing newline,
    /// through a temporary file and a rename.
    /// </summary>
    internal void Write(string path)
    {
        AtomicFile.Write(path, stream =>
        {
            var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            using (var json = new Utf8JsonWriter(stream, options))
            {
                json.WriteStartObject();
                json.WriteStartObject("metadata");
                if (TotalSize is { } totalSize)
                    json.WriteNumber("total_size", totalSize);
                json.WriteEndObject();
                json.WriteStartObject("weight_map");
                foreach (var (name, shard) in WeightMap.OrderBy(e => e.Key, Utf8Ordinal.Instance))
                    json.WriteString(name, shard);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            stream.WriteByte((byte)'\n');
        });
    }
}
