using System.Text.Json.Nodes;

namespace SharpTune.Tests.Quickstart;

/// <summary>One line of the quickstart's Alpaca-form SFT files.</summary>
public sealed record AlpacaRecord(string Instruction, string Input, string Output);

/// <summary>The quickstart's committed data and base-model files, read from the repository.</summary>
public static class QuickstartAssets
{
    public static string Folder => Path.Combine(TestPaths.RepoRoot, "examples", "quickstart");

    public static string DataFile(string name) => Path.Combine(Folder, "data", name);

    public static string ModelFile(string name) => Path.Combine(Folder, "base-model", name);

    /// <summary>The Alpaca prompt without input (Stanford Alpaca, 2023), as the SFT trainer renders these records.</summary>
    public const string AlpacaPrompt =
        "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n" +
        "### Instruction:\n{0}\n\n### Response:\n";

    public static IReadOnlyList<AlpacaRecord> Train { get; } = ReadSft("sft_train.jsonl");

    public static IReadOnlyList<AlpacaRecord> Eval { get; } = ReadSft("sft_eval.jsonl");

    public static IReadOnlyList<string> PretrainTexts { get; } = ReadLines("pretrain.jsonl")
        .Select(line => (string)line["text"]!)
        .ToList();

    public static string RenderPrompt(AlpacaRecord record) => string.Format(AlpacaPrompt, record.Instruction);

    /// <summary>Pretraining texts and rendered SFT prompts and outputs: everything the quickstart tokenizes.</summary>
    public static IEnumerable<string> AllTexts() =>
        PretrainTexts
            .Concat(Train.Concat(Eval).Select(RenderPrompt))
            .Concat(Train.Concat(Eval).Select(r => r.Output));

    public static JsonNode ReadJson(string path) => JsonNode.Parse(File.ReadAllText(path))!;

    static List<AlpacaRecord> ReadSft(string name) => ReadLines(name)
        .Select(line => new AlpacaRecord((string)line["instruction"]!, (string)line["input"]!, (string)line["output"]!))
        .ToList();

    static IEnumerable<JsonNode> ReadLines(string name) =>
        File.ReadLines(DataFile(name)).Select(line => JsonNode.Parse(line)!);
}
