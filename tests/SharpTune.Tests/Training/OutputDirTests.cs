using SharpTune.Recipes;
using SharpTune.Training;
using static SharpTune.Tests.Training.TrainingMaterial;

namespace SharpTune.Tests.Training;

/// <summary>A run trains in <c>OUTPUT_DIR.partial</c>, so an earlier run in OUTPUT_DIR stays whole until the new one finishes.</summary>
[Collection(TrainingCollection.Name)]
public class OutputDirTests
{
    [Fact]
    public void InterruptedOverwrite_KeepsEarlierRun()
    {
        var dir = TestPaths.NewTempDir("sharptune-output");
        RecipeRun.Execute(Recipe(dir, seed: 1));
        var before = Snapshot(Path.Combine(dir, "out"));

        using var cancel = new CancellationTokenSource();
        var second = RecipeRun.Execute(Recipe(dir, seed: 2), overwrite: true,
            progress: InlineProgress.CancelAfter(1, cancel), cancel: cancel.Token);

        Assert.True(second.Result.Interrupted);
        var after = Snapshot(Path.Combine(dir, "out"));
        Assert.Equal(before.Keys, after.Keys);
        foreach (var (file, bytes) in before)
            Assert.True(bytes.AsSpan().SequenceEqual(after[file]), $"{file} changed");
    }

    [Fact]
    public void ExistingOutput_RejectedWithoutOverwrite()
    {
        var dir = TestPaths.NewTempDir("sharptune-output");
        RecipeRun.Execute(Recipe(dir, seed: 1));
        var before = Snapshot(Path.Combine(dir, "out"));

        var error = Assert.Throws<SharpTuneInputException>(() => RecipeRun.Execute(Recipe(dir, seed: 2)));

        Assert.Contains("output_dir", error.Message);
        var after = Snapshot(Path.Combine(dir, "out"));
        Assert.Equal(before.Keys, after.Keys);
        foreach (var (file, bytes) in before)
            Assert.True(bytes.AsSpan().SequenceEqual(after[file]), $"{file} changed");
    }

    static Recipe Recipe(string dir, int seed) => RecipeLoader.Parse($"""
        model: {TestPaths.Stories260k}
        objective: cpt
        mechanism: full
        device: cpu
        output_dir: out
        data:
          train: {Grimm}
          max_length: 64
        training:
          max_steps: 3
          batch_size: 2
          learning_rate: 1e-3
          seed: {seed}
        """, Path.Combine(dir, "recipe.yaml"), dir);
}
