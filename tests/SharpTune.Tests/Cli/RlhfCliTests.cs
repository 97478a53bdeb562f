namespace SharpTune.Tests.Cli;

/// <summary><c>sharptune train</c> on an RLHF recipe, then <c>sharptune generate</c> with the adapter it saved.</summary>
public sealed class RlhfCliTests : IDisposable
{
    readonly string dir = TestPaths.NewTempDir("sharptune-cli-rlhf");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void TrainPpo_ThenGenerateWithTheAdapter()
    {
        var recipe = Path.Combine(TestPaths.RepoRoot, "examples", "rlhf", "ppo-word-count.yaml");
        var output = Path.Combine(dir, "out");

        var train = CliProcess.Run(dir, "train", recipe, "--set", "training.max_steps=2", "--set", $"output_dir={output}");
        var generate = CliProcess.Run(dir, "generate", "--model", TestPaths.Stories260k, "--adapter", Path.Combine(output, "adapter"),
            "--prompt", "Once upon a time", "--max-new-tokens", "8");

        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.Contains("step 2: reward ", train.Stderr);
        Assert.Contains("value_loss", File.ReadAllLines(Path.Combine(output, "metrics.jsonl"))[1]);
        Assert.True(generate.ExitCode == 0, generate.Stderr);
        Assert.NotEmpty(generate.Stdout.Trim());
    }

    [CtrlCFact]
    public void Interrupted_LeavesNoOutputAndSaysSo()
    {
        var recipe = Path.Combine(TestPaths.RepoRoot, "examples", "rlhf", "grpo-word-count.yaml");
        var output = Path.Combine(dir, "out");

        var train = CliProcess.RunUntil(dir, ["train", recipe, "--set", $"output_dir={output}"],
            line => line.StartsWith("step 1/", StringComparison.Ordinal));

        Assert.Equal(130, train.ExitCode);
        Assert.Contains("without a checkpoint; run again to start over.", train.Stderr);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void BadPromptFile_ExitsTwoNamingTheLine()
    {
        var prompts = Path.Combine(dir, "prompts.jsonl");
        File.WriteAllText(prompts, "{\"prompt\": \"Once\"}\n{\"prompt\": 3}\n");
        var recipe = Path.Combine(TestPaths.RepoRoot, "examples", "rlhf", "ppo-word-count.yaml");

        var train = CliProcess.Run(dir, "train", recipe, "--set", $"data.train={prompts}", "--set", $"output_dir={Path.Combine(dir, "out")}");

        Assert.Equal(2, train.ExitCode);
        Assert.Contains($"{prompts}:2: prompt: expected a string, found a number", Assert.Single(train.ErrorLines));
    }
}
