using System.Text.Json.Nodes;
using SharpTune.Recipes;
using SharpTune.Tests.Recipes;
using SharpTune.Tests.Training;
using SharpTune.Training;

namespace SharpTune.Tests.Mechanisms.Qlora;

/// <summary>A <c>mechanism: qlora</c> recipe run end to end, with the peak memory it records.</summary>
// NOTE: once, in a full parallel run, the QLoRA fixture failed inside libtorch's Scalar::toFloat during a
// tensor-plus-float add while dequantizing; it passed alone and in every other run. Running these tests apart
// from the other collections avoids it until the cause (suspected: a Scalar freed while in use) is found.
[Collection(SharpTune.Tests.Training.TrainingCollection.Name)]
public sealed class QloraRecipeTests : IDisposable
{
    readonly string dir = TestPaths.NewTempDir("sharptune-qlora-recipe");

    JsonObject RunRecipe()
    {
        var recipe = RecipeText.Parse($"""
            model: {TestPaths.Stories260k}
            objective: cpt
            mechanism: qlora
            device: cpu
            output_dir: {Path.Combine(dir, "out")}
            data:
              train: {TrainingMaterial.Grimm}
              max_length: 64
            training:
              max_steps: 3
              batch_size: 2
              logging_steps: 1
            """);
        RecipeRun.Execute(recipe);
        return (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "out", "summary.json")))!;
    }

    [Fact]
    public void Run_WritesPeftAdapterAndPeakMemory()
    {
        var summary = RunRecipe();
        var metrics = MetricsFile.RawValues(Path.Combine(dir, "out", "metrics.jsonl"), "peak_memory_mb");

        Assert.True(File.Exists(Path.Combine(dir, "out", "adapter", "adapter_config.json")));
        Assert.Equal("cpu_vmhwm", summary["peak_memory_source"]!.GetValue<string>());
        Assert.True(summary["peak_memory_mb"]!.GetValue<double>() > 0);
        Assert.Equal([1, 2, 3], metrics.Select(m => m.Step));
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
