using System.Text;
using System.Text.Json;
using SharpTune.Data;
using SharpTune.Tokenization;

namespace SharpTune.Planning;

/// <summary>
/// Token-length distribution of a data file against the planned sequence length and the model's context window.
/// The length figures are null when no tokenizer was available, and <c>Note</c> then gives the reason.
/// </summary>
public sealed record DataLengthReport(
    string Path, int Records, int ContextWindow, int SeqLen,
    int? Min, int? Median, int? P90, int? P99, int? Max, double? Mean,
    int? TruncatedAtSeqLen, int? TruncatedAtContextWindow, string? Note);

/// <summary>Tokenizes every record of a data file with the model's tokenizer and counts the lengths.</summary>
public static class DataLengthCheck
{
    /// <remarks>
    /// A record's text is every string value in it, in field order, joined by newlines, plus BOS and EOS when the
    /// tokenizer adds them. Role names count once each, but a chat template adds its own markers, so chat lengths here are approximate.
    /// </remarks>
    /// <exception cref="SharpTuneInputException">The data file is missing or not valid JSON.</exception>
    public static DataLengthReport Run(string path, ModelShape model, int seqLen)
    {
        var records = RecordReader.Read(path);
        int window = model.MaxPositionEmbeddings;
        if (model.ModelDir is null || !File.Exists(System.IO.Path.Combine(model.ModelDir, "tokenizer.json")))
        {
            return new DataLengthReport(path, records.Count, window, seqLen, null, null, null, null, null, null, null, null,
                "needs a tokenizer: pass --model as a model folder that contains tokenizer.json");
        }

        using var tokenizer = HfTokenizer.Load(model.ModelDir);
        int special = (tokenizer.AddBos ? 1 : 0) + (tokenizer.AddEos ? 1 : 0);
        var lengths = records.Select(r => tokenizer.Encode(RecordText(r.Value)).Count + special).Order().ToArray();
        return new DataLengthReport(path, records.Count, window, seqLen,
            lengths[0], Percentile(lengths, 0.5), Percentile(lengths, 0.9), Percentile(lengths, 0.99), lengths[^1],
            lengths.Average(), lengths.Count(l => l > seqLen), lengths.Count(l => l > window),
            "lengths count every string field once; chat and prompt templates add their own tokens on top");
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    static int Percentile(int[] sorted, double fraction) =>
        sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];

    static string RecordText(JsonElement value)
    {
        var text = new StringBuilder();
        AppendStrings(value, text);
        return text.ToString();
    }

    static void AppendStrings(JsonElement value, StringBuilder text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                if (text.Length > 0)
                    text.Append('\n');
                text.Append(value.GetString());
                break;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                    AppendStrings(property.Value, text);
                break;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                    AppendStrings(item, text);
                break;
        }
    }
}
