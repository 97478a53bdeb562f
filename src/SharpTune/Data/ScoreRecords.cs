using System.Text.Json;

namespace SharpTune.Data;

/// <summary>One response to score on its own: a prompt (empty for a <c>{"text"}</c> record) and the response.</summary>
public sealed record ScoreRow(string Prompt, string Response, RecordSource Source);

/// <summary>
/// Data for <c>sharptune score</c>: either preference pairs, whose reward order is checked against the label, or
/// single rows, each given one score. A file contains one kind, never both.
/// </summary>
public sealed record ScoreData(IReadOnlyList<PreferencePair> Pairs, IReadOnlyList<ScoreRow> Rows)
{
    public bool IsPairs => Pairs.Count > 0;
}

/// <summary>
/// Reads score data. Accepted records: the preference forms of <see cref="PreferenceRecords"/> (pairs, hh-rlhf
/// conversations, rankings), <c>{"prompt", "response"}</c>, and <c>{"text"}</c> (scored as a response to an empty
/// prompt). Fields outside a record's form are errors, so a misspelt field is never ignored silently.
/// </summary>
public static class ScoreRecords
{
    static readonly string[] ResponseFields = ["prompt", "response"];
    static readonly string[] TextFields = ["text"];

    const string FormHint =
        "score records are {\"prompt\",\"chosen\",\"rejected\"}, {\"chosen\",\"rejected\"} dialogues, {\"prompt\",\"rankings\"}, {\"prompt\",\"response\"} or {\"text\"}";

    /// <summary>Reads every record of <paramref name="path"/>.</summary>
    /// <exception cref="SharpTuneInputException">A line is not JSON, a record has an unknown or missing field, or the file mixes pairs and rows.</exception>
    public static ScoreData Load(string path)
    {
        var pairs = new List<PreferencePair>();
        var rows = new List<ScoreRow>();
        JsonRecord? firstPair = null, firstRow = null;
        foreach (var record in RecordReader.Read(path))
        {
            var value = record.Value;
            // PreferenceRecords.Parse checks the fields of pairs and rankings itself.
            if (value.TryGetProperty("rankings", out _) || value.TryGetProperty("chosen", out _) || value.TryGetProperty("rejected", out _))
            {
                pairs.AddRange(PreferenceRecords.Parse(record));
                firstPair ??= record;
            }
            else if (value.TryGetProperty("response", out _))
            {
                RecordFields.RejectUnknown(record, value, ResponseFields, "prompt and response record");
                var prompt = RecordFields.RequireString(record, ["prompt"], FormHint);
                rows.Add(new ScoreRow(prompt, RecordFields.RequireString(record, ["response"], FormHint), record.Source));
                firstRow ??= record;
            }
            else if (value.TryGetProperty("text", out _))
            {
                RecordFields.RejectUnknown(record, value, TextFields, "text record");
                rows.Add(new ScoreRow("", RecordFields.RequireString(record, ["text"], FormHint), record.Source));
                firstRow ??= record;
            }
            else
            {
                // A lone prompt lacks its response. Any other field matches no form.
                var unknown = value.EnumerateObject().Select(p => p.Name).FirstOrDefault(name => name != "prompt");
                throw unknown is null
                    ? RecordFields.At(record, "response", $"missing; {FormHint}")
                    : RecordFields.At(record, unknown, $"unknown field; {FormHint}");
            }

            if (firstPair is not null && firstRow is not null)
                throw RecordFields.At(record, "", $"the file mixes preference records (line {firstPair.Source.Line}) and single responses " +
                    $"(line {firstRow.Source.Line}); score them in two files");
        }
        return new ScoreData(pairs, rows);
    }
}
