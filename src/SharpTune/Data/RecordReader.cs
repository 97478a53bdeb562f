using System.Text;
using System.Text.Json;

namespace SharpTune.Data;

/// <summary>
/// Reads JSON Lines files (one object per line, blank lines skipped) and JSON files holding one array of objects.
/// A file whose first non-whitespace character is <c>[</c> is read as an array, any other as JSON Lines.
/// </summary>
public static class RecordReader
{
    /// <summary>
    /// Reads every record of <paramref name="path"/> with the line where it starts. With <paramref name="allowStrings"/>
    /// a record may also be a bare JSON string, as in a list of prompts.
    /// </summary>
    /// <exception cref="SharpTuneInputException">The file is missing, empty, or contains invalid JSON or a non-object record.</exception>
    public static IReadOnlyList<JsonRecord> Read(string path, bool allowStrings = false)
    {
        if (!File.Exists(path))
            throw SharpTuneInputException.At(path, null, null, "data file not found; check the dataset path");

        var records = StartsWithArray(path) ? ReadArray(path, allowStrings) : ReadJsonLines(path, allowStrings);
        if (records.Count == 0)
        {
            throw SharpTuneInputException.At(path, null, null,
                "no records found because the file is empty, blank or an empty array; add at least one " +
                (allowStrings ? "JSON object or string" : "JSON object"));
        }
        return records;
    }

    static List<JsonRecord> ReadJsonLines(string path, bool allowStrings)
    {
        var records = new List<JsonRecord>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;

            JsonElement value;
            try
            {
                using var document = JsonDocument.Parse(line);
                value = document.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw SharpTuneInputException.At(path, lineNumber, null,
                    $"invalid JSON at byte {ex.BytePositionInLine + 1} of the line ({JsonErrorText.Reason(ex)}); " +
                    "each line of a JSON Lines file must be one complete JSON object, so fix or remove this line");
            }

            records.Add(ToRecord(value, new RecordSource(path, lineNumber), allowStrings));
        }
        return records;
    }

    static List<JsonRecord> ReadArray(string path, bool allowStrings)
    {
        var bytes = File.ReadAllBytes(path);
        var json = bytes.AsSpan();
        if (json.StartsWith(Encoding.UTF8.Preamble))
            json = json[Encoding.UTF8.Preamble.Length..];

        var records = new List<JsonRecord>();
        var lines = new LineCounter();
        var reader = new Utf8JsonReader(json, isFinalBlock: true, state: default);
        try
        {
            reader.Read(); // StartArray, checked by StartsWithArray.
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var line = lines.LineAt(json, (int)reader.TokenStartIndex);
                using var document = JsonDocument.ParseValue(ref reader);
                records.Add(ToRecord(document.RootElement.Clone(), new RecordSource(path, line, records.Count), allowStrings));
            }
            // The reader raises JsonException for content after the closing ']' or for a missing ']'.
            reader.Read();
        }
        catch (JsonException ex)
        {
            var line = ex.LineNumber is long zeroBased ? zeroBased + 1 : (long?)null;
            throw SharpTuneInputException.At(path, line, null,
                $"invalid JSON at byte {ex.BytePositionInLine + 1} of the line ({JsonErrorText.Reason(ex)}); " +
                "a JSON data file must be one array of objects, so fix the syntax or convert the file to JSON Lines");
        }
        return records;
    }

    static JsonRecord ToRecord(JsonElement value, RecordSource source, bool allowStrings)
    {
        if (value.ValueKind != JsonValueKind.Object && !(allowStrings && value.ValueKind == JsonValueKind.String))
        {
            throw source.Error(null, allowStrings
                ? $"expected a JSON object or string, found {RecordFields.Describe(value.ValueKind)}; each record must be an object such as {{\"prompt\": \"...\"}} or a string"
                : $"expected a JSON object, found {RecordFields.Describe(value.ValueKind)}; each record must be an object such as {{\"text\": \"...\"}}");
        }
        return new JsonRecord(value, source);
    }

    static bool StartsWithArray(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        int next;
        while ((next = reader.Read()) >= 0)
        {
            if (!char.IsWhiteSpace((char)next))
                return next == '[';
        }
        return false;
    }

    /// <summary>Converts increasing byte offsets to 1-based line numbers by counting '\n' once over the file.</summary>
    sealed class LineCounter
    {
        int _offset;
        int _line = 1;

        public int LineAt(ReadOnlySpan<byte> json, int offset)
        {
            _line += json[_offset..offset].Count((byte)'\n');
            _offset = offset;
            return _line;
        }
    }
}
