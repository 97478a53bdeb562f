using System.Text.Json;

namespace SharpTune.Data;

/// <summary>
/// Reads preference data as pairs. Three record forms are accepted:
/// <list type="bullet">
/// <item><c>{"prompt", "chosen", "rejected", "reasoning"?}</c>: one pair.</item>
/// <item><c>{"chosen", "rejected"}</c> without a prompt: two whole dialogues in the hh-rlhf form
/// <c>"\n\nHuman: … \n\nAssistant: …"</c>; the shared prefix up to the last common Assistant marker is the prompt.</item>
/// <item><c>{"prompt", "rankings": [{"output", "rank", "label"?}]}</c>: rank 1 is best; every two outputs of
/// different rank make one pair, so n distinct ranks give n(n-1)/2 pairs.</item>
/// </list>
/// </summary>
public static class PreferenceRecords
{
    /// <summary>The turn marker that ends an hh-rlhf prompt; the response follows it.</summary>
    public const string AssistantMarker = "\n\nAssistant:";

    const string PairHint = "a preference record needs prompt, chosen and rejected strings, or prompt and rankings";

    static readonly string[] PairFields = ["prompt", "chosen", "rejected", "reasoning"];
    static readonly string[] RankingFields = ["prompt", "rankings"];
    static readonly string[] RankingItemFields = ["output", "rank", "label"];

    /// <summary>Reads every record of <paramref name="path"/> and returns its pairs in file order.</summary>
    /// <exception cref="SharpTuneInputException">A record is malformed; the message names the file, line and field.</exception>
    public static IReadOnlyList<PreferencePair> Load(string path) => RecordReader.Read(path).SelectMany(Parse).ToList();

    /// <summary>Returns the pairs one record stands for.</summary>
    /// <exception cref="SharpTuneInputException">
    /// A field is missing, has the wrong type, or is outside the record's form; a misspelt optional field such as
    /// <c>reasoning</c> or a ranking's <c>label</c> is an error rather than silently dropped.
    /// </exception>
    public static IReadOnlyList<PreferencePair> Parse(JsonRecord record)
    {
        if (record.Value.TryGetProperty("rankings", out var rankings))
        {
            RecordFields.RejectUnknown(record, record.Value, RankingFields, "rankings record");
            return ExpandRankings(record, rankings);
        }

        RecordFields.RejectUnknown(record, record.Value, PairFields, "pair record");

        var chosen = RecordFields.RequireString(record, ["chosen"], PairHint);
        var rejected = RecordFields.RequireString(record, ["rejected"], PairHint);
        var reasoning = RecordFields.OptionalString(record, "reasoning", "reasoning is an optional note string");
        if (record.Value.TryGetProperty("prompt", out _))
        {
            var prompt = RecordFields.RequireString(record, ["prompt"], PairHint);
            return [new PreferencePair(prompt, chosen, rejected, NullIfEmpty(reasoning), record.Source)];
        }

        var (sharedPrompt, chosenResponse, rejectedResponse) = SplitConversation(chosen, rejected)
            ?? throw RecordFields.At(record, "chosen",
                $"no prompt field, and chosen and rejected share no prefix ending at \"{AssistantMarker.Trim()}\"; add a prompt field or give both dialogues the same Human/Assistant history");
        return [new PreferencePair(sharedPrompt, chosenResponse, rejectedResponse, NullIfEmpty(reasoning), record.Source)];
    }

    /// <summary>
    /// Splits two dialogues into the longest common prefix that ends with <see cref="AssistantMarker"/> and the two
    /// remainders; null when no such prefix exists.
    /// </summary>
    public static (string Prompt, string Chosen, string Rejected)? SplitConversation(string chosen, string rejected)
    {
        int common = 0;
        int limit = Math.Min(chosen.Length, rejected.Length);
        while (common < limit && chosen[common] == rejected[common])
            common++;

        // The prompt may not reach past the first differing character, so the marker must end within the common part.
        // LastIndexOf(value, startIndex) finds only matches that end at or before startIndex.
        if (common < AssistantMarker.Length)
            return null;
        int end = chosen.LastIndexOf(AssistantMarker, common - 1, StringComparison.Ordinal);
        if (end < 0)
            return null;
        int promptLength = end + AssistantMarker.Length;
        return (chosen[..promptLength], chosen[promptLength..], rejected[promptLength..]);
    }

    static List<PreferencePair> ExpandRankings(JsonRecord record, JsonElement rankings)
    {
        var prompt = RecordFields.RequireString(record, ["prompt"], "a rankings record needs the prompt the outputs answer");
        if (rankings.ValueKind != JsonValueKind.Array)
            throw RecordFields.At(record, "rankings", "expected an array of {\"output\", \"rank\"} objects");

        var ranked = new List<(string Output, int Rank, string? Label)>();
        int index = 0;
        foreach (var item in rankings.EnumerateArray())
        {
            var field = $"rankings[{index++}]";
            if (item.ValueKind != JsonValueKind.Object)
                throw RecordFields.At(record, field, "expected an object with output and rank");
            RecordFields.RejectUnknown(record, item, RankingItemFields, "ranking entry", field + ".");
            if (!item.TryGetProperty("output", out var output) || output.ValueKind != JsonValueKind.String)
                throw RecordFields.At(record, field + ".output", "missing or not a string; give the response text");
            if (!item.TryGetProperty("rank", out var rank) || !rank.TryGetInt32(out var rankValue) || rankValue < 1)
                throw RecordFields.At(record, field + ".rank", "missing or not a positive integer; rank 1 is the best output");
            string? label = item.TryGetProperty("label", out var labelValue) && labelValue.ValueKind == JsonValueKind.String
                ? labelValue.GetString()
                : null;
            ranked.Add((output.GetString()!, rankValue, label));
        }
        if (ranked.Select(r => r.Rank).Distinct().Count() < 2)
            throw RecordFields.At(record, "rankings", "needs at least two outputs of different rank to form a pair");

        // Outputs of equal rank express no preference, so they form no pair.
        var pairs = new List<PreferencePair>();
        foreach (var better in ranked)
            foreach (var worse in ranked.Where(r => r.Rank > better.Rank))
                pairs.Add(new PreferencePair(prompt, better.Output, worse.Output, null, record.Source));
        return pairs;
    }

    static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;
}
