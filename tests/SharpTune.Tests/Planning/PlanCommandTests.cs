using System.Text.Json;

namespace SharpTune.Tests.Planning;

/// <summary><c>sharptune plan</c> run as a child process: exit codes, errors, JSON and the data check.</summary>
public class PlanCommandTests
{
    readonly string dir = TestPaths.NewTempDir("sharptune-cli-plan");

    [Fact]
    public void UnknownGpuExitsTwo()
    {
        var result = CliProcess.Run(dir, "plan", "--model", "llama-3-8b", "--gpu", "rtx-4080");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("rtx-4090", result.ErrorLines.Single());
    }

    [Fact]
    public void NegativeBatchExitsTwo()
    {
        var result = CliProcess.Run(dir, "plan", "--model", "llama-3-8b", "--batch-size", "-4");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--batch-size", result.ErrorLines.Single());
    }

    [Fact]
    public void NegativeVramExitsTwo()
    {
        var result = CliProcess.Run(dir, "plan", "--model", "llama-3-8b", "--vram", "-24");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--vram", result.ErrorLines.Single());
    }

    [Fact]
    public void ModelWithoutConfigExitsTwo()
    {
        var result = CliProcess.Run(dir, "plan", "--model", dir);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("config.json not found", result.ErrorLines.Single());
    }

    [Fact]
    public void JsonTotalMatchesBytesPerParameter()
    {
        // Full fp32 AdamW: weights 4 B + gradients 4 B + two moments 8 B per parameter, plus activations, overhead set to 0.
        var result = CliProcess.Run(dir, "plan", "--model", "qwen2.5-0.5b", "--mechanism", "full", "--precision", "fp32",
            "--overhead-gb", "0", "--gpu", "h100", "--json");
        using var json = JsonDocument.Parse(result.Stdout);
        var memory = json.RootElement.GetProperty("memory");
        long activations = memory.GetProperty("components").EnumerateArray()
            .Single(c => c.GetProperty("component").GetString() == "activations").GetProperty("bytes").GetInt64();

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(16 * 494_032_768L + activations, memory.GetProperty("total_bytes").GetInt64());
    }

    [Fact]
    public void DataCheckCountsTruncated()
    {
        // stories260k's tokenizer: one short story and one far longer than --seq-len 32.
        var data = Path.Combine(dir, "data.jsonl");
        File.WriteAllLines(data,
        [
            """{"text": "Once upon a time"}""",
            JsonSerializer.Serialize(new { text = string.Join(' ', Enumerable.Repeat("The little dog ran to the park.", 20)) }),
        ]);

        var result = CliProcess.Run(dir, "plan", "--model", TestPaths.Stories260k, "--seq-len", "32", "--data", data, "--json");
        using var json = JsonDocument.Parse(result.Stdout);
        var check = json.RootElement.GetProperty("data");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(1, check.GetProperty("truncated_at_seq_len").GetInt32());
        Assert.Equal(0, check.GetProperty("truncated_at_context_window").GetInt32());
    }

    [Fact]
    public void DataCheckWithPresetNeedsTokenizer()
    {
        var data = Path.Combine(dir, "data.jsonl");
        File.WriteAllText(data, """{"text": "Once upon a time"}""" + "\n");

        var result = CliProcess.Run(dir, "plan", "--model", "llama-3-8b", "--data", data);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("needs a tokenizer", result.Stdout);
    }
}
