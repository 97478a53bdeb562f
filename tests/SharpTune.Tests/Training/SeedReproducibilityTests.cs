using SharpTune.Recipes;
using SharpTune.Training;
using static SharpTune.Tests.Training.TrainingMaterial;

namespace SharpTune.Tests.Training;

/// <summary>The seed fixes shuffling, LoRA initialization and dropout, so a run repeats exactly.</summary>
[Collection(TrainingCollection.Name)]
public class SeedReproducibilityTests
{
    [Fact]
    public void SameSeed_IdenticalLosses()
    {
        var dir = TestPaths.NewTempDir("sharptune-seed");
        var train = WriteShortGsm8k(dir, count: 12, maxTokens: 270);

        var first = MetricsFile.RawValues(Train(dir, train, "first", seed: 5), "loss");
        var second = MetricsFile.RawValues(Train(dir, train, "second", seed: 5), "loss");

        Assert.Equal(4, first.Count);
        Assert.Equal(first, second);
    }

    [Fact]
    public void OtherSeed_OtherLosses()
    {
        // Guards the test above: if the seed did not reach dropout or shuffling, equal losses would prove nothing.
        var dir = TestPaths.NewTempDir("sharptune-seed");
        var train = WriteShortGsm8k(dir, count: 12, maxTokens: 270);

        var first = MetricsFile.RawValues(Train(dir, train, "first", seed: 5), "loss");
        var second = MetricsFile.RawValues(Train(dir, train, "second", seed: 6), "loss");

        Assert.NotEqual(first, second);
    }

    static string Train(string dir, string train, string name, int seed)
    {
        var yaml = $"""
            model: {TestPaths.Stories260k}
            objective: sft
            mechanism: lora
            device: cpu
            output_dir: {name}
            data:
              train: {train}
              max_length: 300
            lora:
              r: 4
              dropout: 0.1
            training:
              max_steps: 4
              batch_size: 2
              learning_rate: 1e-3
              seed: {seed}
            """;
        var recipe = RecipeLoader.Parse(yaml, Path.Combine(dir, name + ".yaml"), dir);
        RecipeRun.Execute(recipe);
        return Path.Combine(recipe.OutputDir, "metrics.jsonl");
    }
}
