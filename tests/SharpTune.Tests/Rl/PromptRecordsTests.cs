using SharpTune.Data;

namespace SharpTune.Tests.Rl;

public sealed class PromptRecordsTests : IDisposable
{
    readonly string dir = TestPaths.NewTempDir("sharptune-prompts");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    string Write(string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void JsonLines_ReadsPromptFieldsAndSkipsBlankLines()
    {
        var path = Write("p.jsonl", "{\"prompt\": \"Once upon a time\", \"id\": 3}\n\n{\"prompt\": \"Tom saw\"}\n");

        Assert.Equal(["Once upon a time", "Tom saw"], PromptRecords.Load(path));
    }

    [Fact]
    public void JsonArray_ReadsObjectsAndPlainStrings()
    {
        var path = Write("p.json", "[\n  \"Once upon a time\",\n  {\"prompt\": \"Tom saw\"}\n]");

        Assert.Equal(["Once upon a time", "Tom saw"], PromptRecords.Load(path));
    }

    [Fact]
    public void MissingPrompt_NamesFileLineAndField()
    {
        var path = Write("p.jsonl", "{\"prompt\": \"ok\"}\n{\"text\": \"no prompt\"}\n");

        var error = Assert.Throws<SharpTuneInputException>(() => PromptRecords.Load(path));

        Assert.StartsWith($"{path}:2: prompt: missing;", error.Message);
    }

    [Fact]
    public void EmptyPrompt_NamesFileLineAndField()
    {
        var path = Write("p.json", "[\n\"ok\",\n\"  \"\n]");

        var error = Assert.Throws<SharpTuneInputException>(() => PromptRecords.Load(path));

        Assert.StartsWith($"{path}:3: [1]: the prompt is empty", error.Message);
    }

    [Fact]
    public void NumberRecord_IsRejectedWithItsLine()
    {
        var path = Write("p.json", "[\"ok\", 5]");

        var error = Assert.Throws<SharpTuneInputException>(() => PromptRecords.Load(path));

        Assert.StartsWith($"{path}:1: [1]: expected a JSON object or string, found a number", error.Message);
    }
}
