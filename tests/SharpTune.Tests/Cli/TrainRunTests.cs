using SharpTune.Tests.Training;
using Xunit.Abstractions;

namespace SharpTune.Tests.Cli;

/// <summary>
/// <c>sharptune train</c> runs stopped with Ctrl+C (SIGINT): the stopped run keeps an earlier output_dir intact,
/// and <c>--resume</c> continues it with the same losses as a run that was never stopped.
/// </summary>
public class TrainRunTests(ITestOutputHelper output)
{
    const int Steps = 30;
    const int Interrupted = 130;

    readonly string dir = TestPaths.NewTempDir("sharptune-cli-train");

    [Fact]
    public void ExistingOutput_RejectedWithoutOverwrite()
    {
        var recipe = WriteRecipe(seed: 1);
        Assert.Equal(0, CliProcess.Run(dir, "train", recipe, "--set", "training.max_steps=2").ExitCode);
        var before = TrainingMaterial.Snapshot(Output);

        var second = CliProcess.Run(dir, "train", recipe, "--set", "training.max_steps=2");

        Assert.Equal(2, second.ExitCode);
        var error = Assert.Single(second.ErrorLines);
        Assert.Contains(Output + ": output_dir:", error);
        AssertUnchanged(before, TrainingMaterial.Snapshot(Output));
    }

    [CtrlCFact]
    public void InterruptedOverwrite_KeepsEarlierRun()
    {
        Assert.Equal(0, CliProcess.Run(dir, "train", WriteRecipe(seed: 1), "--set", "training.max_steps=2").ExitCode);
        var before = TrainingMaterial.Snapshot(Output);

        var second = CliProcess.RunUntil(dir, ["train", WriteRecipe(seed: 2), "--overwrite"], AfterStep(2));

        Assert.Equal(Interrupted, second.ExitCode);
        AssertUnchanged(before, TrainingMaterial.Snapshot(Output));
    }

    [CtrlCFact]
    public void InterruptedThenResumed_MatchesUninterrupted()
    {
        var recipe = WriteRecipe(seed: 3);
        var reference = Path.Combine(dir, "reference");
        Assert.Equal(0, CliProcess.Run(dir, "train", recipe, "--set", $"output_dir={reference}").ExitCode);

        var stopped = CliProcess.RunUntil(dir, ["train", recipe], AfterStep(3));
        var checkpoint = Directory.GetDirectories(Output + ".partial", "checkpoint-*").Single();
        int stoppedAt = int.Parse(Path.GetFileName(checkpoint)["checkpoint-".Length..]);
        var resumed = CliProcess.Run(dir, "train", recipe, "--resume");
        output.WriteLine($"stopped at step {stoppedAt} of {Steps}");

        Assert.Equal(Interrupted, stopped.ExitCode);
        Assert.InRange(stoppedAt, 3, Steps - 1);
        Assert.Equal(0, resumed.ExitCode);
        foreach (var key in new[] { "loss", "learning_rate", "grad_norm" })
        {
            var expected = MetricsFile.RawValues(Path.Combine(reference, "metrics.jsonl"), key);
            var actual = MetricsFile.RawValues(Path.Combine(Output, "metrics.jsonl"), key);
            Assert.Equal(Steps, expected.Count);
            Assert.Equal(expected, actual);
        }
    }

    string Output => Path.Combine(dir, "out");

    // The CLI prints "step 3/30 ..." after step 3 finishes. The run stops once the step in progress when the
    // signal arrives is done, so at step 3 or a little later.
    static Func<string, bool> AfterStep(int step) => line => line.StartsWith($"step {step}/", StringComparison.Ordinal);

    static void AssertUnchanged(SortedDictionary<string, byte[]> before, SortedDictionary<string, byte[]> after)
    {
        Assert.Equal(before.Keys, after.Keys);
        foreach (var (file, bytes) in before)
            Assert.True(bytes.AsSpan().SequenceEqual(after[file]), $"{file} changed");
    }

    // Short packed rows keep steps quick. LoRA dropout makes a resume depend on restoring the random generator.
    string WriteRecipe(int seed)
    {
        var path = Path.Combine(dir, $"recipe-{seed}.yaml");
        File.WriteAllText(path, $"""
            model: {TestPaths.Stories260k}
            objective: cpt
            mechanism: lora
            device: cpu
            output_dir: out
            data:
              train: {TrainingMaterial.Grimm}
              max_length: 64
            lora:
              r: 4
              dropout: 0.1
            training:
              max_steps: {Steps}
              batch_size: 2
              learning_rate: 1e-3
              seed: {seed}
            """);
        return path;
    }
}
