using System.Text.Json;

namespace SharpTune.Data;

/// <summary>
/// Reads the unlabelled prompts of <c>objective: rlhf</c>: JSON Lines of <c>{"prompt": "..."}</c>, or a JSON array of
/// such objects or of plain strings. Other fields of an object are ignored.
/// </summary>
public static class PromptRecords
{
    const string Hint = "each record is {\"prompt\": \"...\"} or, in a JSON array, a plain string";

    /// <exception cref="SharpTuneInputException">A record is malformed or empty; the message names the file, line and field.</exception>
    public static IReadOnlyList<string> Load(string path) => RecordReader.Read(path, allowStrings: true).Select(Parse).ToList();

    public static string Parse(JsonRecord record)
    {
        var prompt = record.Value.ValueKind == JsonValueKind.String
            ? RecordFields.ReadString(record, record.Value, "prompt", Hint)
            : RecordFields.RequireString(record, ["prompt"], Hint);
        // A plain-string record is the prompt itself, so the error names the record rather than a field.
        var field = record.Value.ValueKind == JsonValueKind.String ? "" : "prompt";
        if (prompt.Trim().Length == 0)
            throw RecordFields.At(record, field, "the prompt is empty; write the text the policy continues, or remove the record");
        return prompt;
    }
}
