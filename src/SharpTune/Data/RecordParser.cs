using System.Text.Json;

namespace SharpTune.Data;

/// <summary>Records of one data file after format detection and field checks.</summary>
public sealed record ParsedDataset(DatasetFormat Format, IReadOnlyList<TrainingRecord> Records);

/// <summary>
/// Checks JSON records against a dataset format. With <see cref="DatasetFormat.Auto"/> the first record's fields
/// pick the format (<c>messages</c> means chat, an instruction or output alias means alpaca, <c>text</c> means text),
/// and every later record must fit the same format.
/// </summary>
public static class RecordParser
{
    public static readonly IReadOnlyList<string> TextFields = ["text"];
    public static readonly IReadOnlyList<string> InstructionFields = ["instruction", "question", "prompt"];
    public static readonly IReadOnlyList<string> InputFields = ["input"];
    public static readonly IReadOnlyList<string> OutputFields = ["output", "response", "answer"];
    public static readonly IReadOnlyList<string> ChatFields = ["messages"];

    const string TextHint = "each text record needs a string field `text`";
    const string AlpacaHint = "each alpaca record needs an instruction (`instruction`, `question` or `prompt`) " +
        "and an output (`output`, `response` or `answer`), and may have an `input`";
    const string ChatHint = "each chat record needs `messages`, a list of {\"role\": \"system\" | \"user\" | " +
        "\"assistant\", \"content\": \"...\"} objects with at least one assistant message";

    /// <summary>Reads <paramref name="path"/> and parses its records.</summary>
    public static ParsedDataset Load(string path, DatasetFormat format = DatasetFormat.Auto) =>
        Parse(RecordReader.Read(path), format);

    /// <summary>Checks every record against <paramref name="format"/>, detecting it first when it is Auto.</summary>
    /// <exception cref="SharpTuneInputException">A record misses a field, has a wrong type, or fits another format.</exception>
    public static ParsedDataset Parse(IReadOnlyList<JsonRecord> records, DatasetFormat format)
    {
        if (records.Count == 0)
            throw new ArgumentException("no records to parse", nameof(records));

        var detectedFrom = format == DatasetFormat.Auto ? records[0] : null;
        if (detectedFrom is not null)
            format = Detect(detectedFrom);

        var parsed = new List<TrainingRecord>(records.Count);
        foreach (var record in records)
        {
            if (detectedFrom is not null)
                CheckSameFormat(record, format, detectedFrom);
            parsed.Add(format switch
            {
                DatasetFormat.Text => ParseText(record),
                DatasetFormat.Alpaca => ParseAlpaca(record),
                DatasetFormat.Chat => ParseChat(record),
                _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
            });
        }
        return new ParsedDataset(format, parsed);
    }

    /// <summary>Returns the format a record's field names point to.</summary>
    /// <exception cref="SharpTuneInputException">No known field is present.</exception>
    public static DatasetFormat Detect(JsonRecord record)
    {
        if (DetectOrNull(record) is DatasetFormat format)
            return format;

        var fields = record.Value.EnumerateObject().Select(p => RecordFields.Quote(p.Name)).ToList();
        var found = fields.Count == 0 ? "no fields" : "fields " + string.Join(", ", fields);
        throw RecordFields.At(record, "",
            $"cannot detect the dataset format from {found}; expected `text` (text), an instruction and an output " +
            "such as `instruction`/`output` or `question`/`answer` (alpaca), or `messages` (chat), " +
            "so rename the fields or set the format explicitly");
    }

    static DatasetFormat? DetectOrNull(JsonRecord record)
    {
        bool Has(IReadOnlyList<string> names) => names.Any(name => record.Value.TryGetProperty(name, out _));

        if (Has(ChatFields))
            return DatasetFormat.Chat;
        if (Has(InstructionFields) || Has(OutputFields))
            return DatasetFormat.Alpaca;
        if (Has(TextFields))
            return DatasetFormat.Text;
        return null;
    }

    static void CheckSameFormat(JsonRecord record, DatasetFormat format, JsonRecord detectedFrom)
    {
        var own = DetectOrNull(record);
        if (own is null || own == format)
            return;
        throw RecordFields.At(record, "",
            $"record has {own.Value.ToString().ToLowerInvariant()} fields, but line {detectedFrom.Source.Line} " +
            $"set the format to {format.ToString().ToLowerInvariant()}; every record in a file must use one format, " +
            "so split the file or convert these records");
    }

    static TextRecord ParseText(JsonRecord record) =>
        new(RecordFields.RequireString(record, TextFields, TextHint), record.Source);

    static AlpacaRecord ParseAlpaca(JsonRecord record)
    {
        var instruction = RecordFields.RequireString(record, InstructionFields, AlpacaHint);
        var input = RecordFields.OptionalString(record, InputFields[0], AlpacaHint);
        var output = RecordFields.RequireString(record, OutputFields, AlpacaHint);
        return new AlpacaRecord(instruction, input, output, record.Source);
    }

    static ChatRecord ParseChat(JsonRecord record)
    {
        if (!record.Value.TryGetProperty("messages", out var list))
            throw RecordFields.At(record, "messages", $"missing; {ChatHint}");
        if (list.ValueKind != JsonValueKind.Array)
            throw RecordFields.At(record, "messages", $"expected an array, found {RecordFields.Describe(list.ValueKind)}; {ChatHint}");

        var messages = new List<ChatMessage>();
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            messages.Add(ParseMessage(record, item, $"messages[{index}]"));
            index++;
        }

        if (!messages.Any(m => m.Role == ChatRoles.Assistant))
            throw RecordFields.At(record, "messages", $"no assistant message, so nothing would be trained; {ChatHint}");
        return new ChatRecord(messages, record.Source);
    }

    static ChatMessage ParseMessage(JsonRecord record, JsonElement item, string field)
    {
        if (item.ValueKind != JsonValueKind.Object)
            throw RecordFields.At(record, field, $"expected an object, found {RecordFields.Describe(item.ValueKind)}; {ChatHint}");
        if (!item.TryGetProperty("role", out var roleValue))
            throw RecordFields.At(record, field + ".role", $"missing; {ChatHint}");
        if (!item.TryGetProperty("content", out var contentValue))
            throw RecordFields.At(record, field + ".content", $"missing; {ChatHint}");

        var role = RecordFields.ReadString(record, roleValue, field + ".role", ChatHint);
        if (!ChatRoles.All.Contains(role))
            throw RecordFields.At(record, field + ".role", $"invalid role \"{role}\"; {ChatHint}");
        var content = RecordFields.ReadString(record, contentValue, field + ".content", ChatHint);
        return new ChatMessage(role, content);
    }
}
