using SharpTune.Recipes;
using SharpTune.Training;
using static SharpTune.Tests.Training.TrainingMaterial;

namespace SharpTune.Tests.Training;

/// <summary>
/// A run cancelled after step k and resumed logs the same steps k+1..n as a run that was never stopped. LoRA
/// dropout is on, so the resumed run must also restore the random generator and the data position.
/// </summary>
[Collection(TrainingCollection.Name)]
public class ResumeTests
{
    const int Steps = 6;
    const int StopAfter = 3;

    // Full fine-tuning with 8-bit AdamW stores quantized moments for the tensors of 4096 or more elements
    // (stories260k's LoRA matrices are all smaller), which the checkpoint must restore exactly.
    [Theory]
    [InlineData("lora", "adamw")]
    [InlineData("full", "adamw8bit")]
    public void CancelledThenResumed_MatchesUninterrupted(string mechanism, string optimizer)
    {
        var dir = TestPaths.NewTempDir("sharptune-resume");
        var train = WriteShortGsm8k(dir, count: 12, maxTokens: 270);
        var uninterrupted = Recipe(dir, train, "uninterrupted", mechanism, optimizer);
        var stopped = Recipe(dir, train, "stopped", mechanism, optimizer);

        RecipeRun.Execute(uninterrupted);
        using var cancel = new CancellationTokenSource();
        var interrupted = RecipeRun.Execute(stopped, progress: InlineProgress.CancelAfter(StopAfter, cancel), cancel: cancel.Token);
        var resumed = RecipeRun.Execute(stopped, resume: true);

        Assert.True(interrupted.Result.Interrupted);
        Assert.Equal(StopAfter, interrupted.Result.Steps);
        Assert.False(resumed.Result.Interrupted);
        Assert.Equal(Steps, resumed.Result.Steps);
        var expected = Path.Combine(uninterrupted.OutputDir, "metrics.jsonl");
        var actual = Path.Combine(stopped.OutputDir, "metrics.jsonl");
        foreach (var key in new[] { "loss", "learning_rate", "grad_norm", "eval_loss" })
        {
            var expectedValues = MetricsFile.RawValues(expected, key);
            Assert.Contains(expectedValues, v => v.Step > StopAfter);
            Assert.Equal(expectedValues, MetricsFile.RawValues(actual, key));
        }
    }

    [Fact]
    public void ResumeWithOtherOptimizer_LeavesNoStagingFolder()
    {
        var dir = TestPaths.NewTempDir("sharptune-resume-optimizer");
        var train = WriteShortGsm8k(dir, count: 12, maxTokens: 270);
        var finished = RecipeRun.Execute(Recipe(dir, train, "run", "full", "adamw8bit"));
        var before = Snapshot(finished.OutputDir);

        // The finished run is copied to run.partial to be extended, then its 8-bit moments do not fit float32 AdamW.
        var error = Assert.Throws<SharpTuneInputException>(() => RecipeRun.Execute(Recipe(dir, train, "run", "full", "adamw"), resume: true));

        Assert.Contains("training.optimizer", error.Message);
        Assert.False(Directory.Exists(finished.OutputDir + ".partial"), "a refused resume must not leave a staging folder behind");
        var after = Snapshot(finished.OutputDir);
        Assert.Equal(before.Keys, after.Keys);
        Assert.All(before, file => Assert.True(file.Value.AsSpan().SequenceEqual(after[file.Key]), $"{file.Key} changed"));
    }

    // save_steps 2 leaves checkpoint-2 behind, so the cancellation must add checkpoint-3. Otherwise the resumed run
    // would repeat step 3 from an older state.
    static Recipe Recipe(string dir, string train, string name, string mechanism, string optimizer) => RecipeLoader.Parse($"""
        model: {TestPaths.Stories260k}
        objective: sft
        mechanism: {mechanism}
        device: cpu
        output_dir: {name}
        data:
          train: {train}
          eval_fraction: 0.2
          max_length: 300
        lora:
          r: 4
          dropout: 0.1
        training:
          max_steps: {Steps}
          batch_size: 2
          learning_rate: 1e-3
          warmup_steps: 2
          eval_steps: 3
          save_steps: 2
          optimizer: {optimizer}
        """, Path.Combine(dir, name + ".yaml"), dir);
}
