using System.Text.Json.Nodes;
using SharpTune.Data;

namespace SharpTune.Tests.Mechanisms;

/// <summary>
/// A domain classifier's data set (which source a text comes from), built from four shared files: GSM8K questions
/// (math), GPTeacher coding instructions (code), the first human turn of HH-RLHF conversations (chat) and paragraphs
/// of Grimms' tales (tale). It is written as text and label records to a temporary file, so nothing is copied into
/// the repository.
/// </summary>
public static class DomainClassificationData
{
    /// <summary>Writes <paramref name="perSource"/> records of each source, interleaved, to <paramref name="path"/>.</summary>
    public static void Write(string path, int perSource)
    {
        var sources = new (string Label, IEnumerable<string> Texts)[]
        {
            ("math", Field("gsm8k_sft.dev.jsonl", "question")),
            ("code", Field("gpteacher_codegen_alpaca.dev.jsonl", "instruction")),
            ("chat", Field("hh_rlhf_harmless.dev.jsonl", "chosen").Select(FirstHumanTurn)),
            ("tale", Field("grimm_fairy_tales_text.dev.jsonl", "text").SelectMany(Paragraphs)),
        };
        var columns = sources.Select(s => s.Texts.Take(perSource).Select(text => (s.Label, Text: text)).ToList()).ToList();
        if (columns.Any(c => c.Count < perSource))
            throw new InvalidOperationException($"a source has fewer than {perSource} texts");
        var lines = Enumerable.Range(0, perSource).SelectMany(i => columns.Select(c => c[i]))
            .Select(r => new JsonObject { ["text"] = r.Text, ["label"] = r.Label }.ToJsonString());
        File.WriteAllLines(path, lines);
    }

    static IEnumerable<string> Field(string file, string field) =>
        RecordReader.Read(TestPaths.SharedData(file)).Select(r => r.Value.GetProperty(field).GetString()!);

    // "\n\nHuman: <turn>\n\nAssistant: ..." gives <turn>.
    static string FirstHumanTurn(string conversation)
    {
        const string human = "Human: ", assistant = "\n\nAssistant:";
        int start = conversation.IndexOf(human, StringComparison.Ordinal) + human.Length;
        int end = conversation.IndexOf(assistant, start, StringComparison.Ordinal);
        return conversation[start..(end < 0 ? conversation.Length : end)].Trim();
    }

    // Paragraphs of at least 80 characters, with the source's hard line wrapping joined.
    static IEnumerable<string> Paragraphs(string tale) =>
        tale.Split("\n\n").Select(p => string.Join(' ', p.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)))
            .Where(p => p.Length >= 80);
}
