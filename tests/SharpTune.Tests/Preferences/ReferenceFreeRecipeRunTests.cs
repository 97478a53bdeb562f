using System.Text.Json.Nodes;
using SharpTune.Recipes;
using SharpTune.Training;

namespace SharpTune.Tests.Preferences;

/// <summary>Two-step ORPO and SimPO recipe runs: the recipe reaches the objective and the run writes its outputs.</summary>
[Collection(Training.TrainingCollection.Name)]
public sealed class ReferenceFreeRecipeRunTests : IDisposable
{
    readonly string dir = TestPaths.NewTempDir("sharptune-orpo-run");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Theory]
    [InlineData("orpo")]
    [InlineData("simpo")]
    public void ShortRun_WritesAdapterAndRewardMetrics(string objective)
    {
        var yaml = $"""
            model: {TestPaths.Stories260k}
            objective: {objective}
            mechanism: lora
            device: cpu
            output_dir: run
            data:
              train: {PreferenceMaterial.HhRlhf}
              eval_fraction: 0.05
              max_length: 96
            training:
              max_steps: 2
              batch_size: 2
              seed: 42
            """;
        RecipeRun.Execute(RecipeLoader.Parse(yaml, Path.Combine(dir, "recipe.yaml"), dir));
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "run", "summary.json")))!;

        Assert.Equal(20, summary["eval_pairs"]!.GetValue<int>());
        Assert.True(File.Exists(Path.Combine(dir, "run", "adapter", "adapter_model.safetensors")));
    }
}
