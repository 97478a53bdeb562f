using System.Text.Json.Nodes;
using SharpTune.Recipes;
using SharpTune.Training;

namespace SharpTune.Tests.Preferences;

/// <summary>Two-step preference recipe runs: the recipe reaches the objective and the run writes its outputs.</summary>
[Collection(Training.TrainingCollection.Name)]
public sealed class ReferenceFreeRecipeRunTests : IDisposable
{
    readonly string dir = TestPaths.NewTempDir("sharptune-orpo-run");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    // The full-tuning DPO case precomputes the reference log-probabilities, so it runs without the frozen copy.
    [Theory]
    [InlineData("orpo", "lora", "adapter/adapter_model.safetensors")]
    [InlineData("simpo", "lora", "adapter/adapter_model.safetensors")]
    [InlineData("dpo", "full", "model/model.safetensors")]
    public void ShortRun_WritesArtifactAndRewardMetrics(string objective, string mechanism, string artifact)
    {
        var yaml = $"""
            model: {TestPaths.Stories260k}
            objective: {objective}
            mechanism: {mechanism}
            device: cpu
            output_dir: run
            data:
              train: {PreferenceMaterial.HhRlhf}
              eval_fraction: 0.05
              max_length: 96
            dpo:
              precompute_ref_log_probs: true
            training:
              max_steps: 2
              batch_size: 2
              seed: 42
            """;
        RecipeRun.Execute(RecipeLoader.Parse(yaml, Path.Combine(dir, "recipe.yaml"), dir));
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "run", "summary.json")))!;

        Assert.Equal(20, summary["eval_pairs"]!.GetValue<int>());
        Assert.True(File.Exists(Path.Combine(dir, "run", artifact)));
    }
}
