using System.Text.Json.Nodes;
using SharpTune.Recipes;
using SharpTune.Training;
using Xunit.Abstractions;

namespace SharpTune.Tests.Preferences;

/// <summary>A short DPO recipe run with LoRA on stories260k and real hh-rlhf harmless pairs.</summary>
[Collection(Training.TrainingCollection.Name)]
public sealed class DpoRecipeRunTests(ITestOutputHelper output) : IDisposable
{
    readonly string dir = TestPaths.NewTempDir("sharptune-dpo-run");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    JsonNode Run()
    {
        var yaml = $"""
            model: {TestPaths.Stories260k}
            objective: dpo
            mechanism: lora
            device: cpu
            output_dir: run
            data:
              train: {PreferenceMaterial.HhRlhf}
              eval_fraction: 0.2
              max_length: 256
            lora:
              r: 8
              alpha: 16
              dropout: 0
            dpo:
              beta: 0.1
            training:
              max_steps: 40
              batch_size: 8
              learning_rate: 2.0e-3
              lr_scheduler: constant
              seed: 42
            """;
        RecipeRun.Execute(RecipeLoader.Parse(yaml, Path.Combine(dir, "recipe.yaml"), dir));
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "run", "summary.json")))!;
        output.WriteLine(summary.ToJsonString());
        return summary;
    }

    [Fact]
    public void LoraDpo_RaisesEvalRewardAccuracyAndMargin()
    {
        var summary = Run();

        // Policy equals reference before training, so every reward is 0, the margin 0 and (ties counting as wrong) accuracy 0.
        Assert.Equal(0.0, summary["initial_eval_reward_margin"]!.GetValue<double>());
        Assert.True(summary["eval_reward_margin"]!.GetValue<double>() > 0, "eval reward margin should rise above 0");
        Assert.True(summary["eval_reward_accuracy"]!.GetValue<double>() > 0.5, "eval reward accuracy should beat chance");
        Assert.True(File.Exists(Path.Combine(dir, "run", "adapter", "adapter_model.safetensors")));
    }
}
