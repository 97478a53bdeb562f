using System.Text.Json.Nodes;
using SharpTune.Mechanisms;
using SharpTune.Models;
using SharpTune.Recipes;
using SharpTune.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpTune.Tests.Mechanisms.Reft;

/// <summary>Short recipe runs of each ReFT mechanism: parameter counts, artifact contents and CLI generation.</summary>
public sealed class ReftRecipeRunTests(ITestOutputHelper output) : IDisposable
{
    readonly string dir = TestPaths.NewTempDir("sharptune-reft-run");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    string Run(string mechanism)
    {
        var yaml = $"""
            model: {TestPaths.Stories260k}
            objective: sft
            mechanism: {mechanism}
            device: cpu
            output_dir: {mechanism}
            data:
              train: {TestPaths.SharedData("gsm8k_sft.dev.jsonl")}
              max_length: 256
            reft:
              r: 4
              source_prompt: "#### 72"
            training:
              max_steps: 2
              batch_size: 4
              learning_rate: 1.0e-3
              seed: 42
            """;
        RecipeRun.Execute(RecipeLoader.Parse(yaml, Path.Combine(dir, "recipe.yaml"), dir));
        return Path.Combine(dir, mechanism);
    }

    // Hidden size 64, 5 layers, r = 4. LoReFT: Householder vectors 4·64, W 4·64, b 4. DiReFT: W1 4·64, b 4,
    // W2 4·64. DII: Householder vectors 4·64. BREP: scale 64 and bias 64.
    [Theory]
    [InlineData("loreft", 5 * (256 + 256 + 4))]
    [InlineData("direft", 5 * (256 + 4 + 256))]
    [InlineData("dii", 5 * 256)]
    [InlineData("brep", 5 * (64 + 64))]
    public void CountsTrainableParameters(string mechanism, long expected)
    {
        var runDir = Run(mechanism);
        var counts = JsonNode.Parse(File.ReadAllText(Path.Combine(runDir, "trainable_parameters.json")))!;
        using var model = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
        long baseTotal = model.parameters().Sum(p => p.numel());
        output.WriteLine($"{mechanism}: {counts.ToJsonString()}");

        Assert.Equal(expected, counts["trainable_parameters"]!.GetValue<long>());
        Assert.Equal(baseTotal + expected, counts["total_parameters"]!.GetValue<long>());
    }

    [Fact]
    public void ArtifactHoldsOnlyInterventions()
    {
        var adapter = Path.Combine(Run("loreft"), "adapter");
        var files = Directory.GetFiles(adapter).Select(Path.GetFileName).Order().ToList();
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(adapter, AdapterFolder.ConfigFile)))!;

        Assert.Equal(["reft_interventions.safetensors", "sharptune_adapter.json"], files);
        Assert.Equal("loreft", config["mechanism"]!.GetValue<string>());
    }

    [Fact]
    public void CliGeneratesWithAdapter()
    {
        var adapter = Path.Combine(Run("direft"), "adapter");

        var result = CliProcess.Run(Directory.GetCurrentDirectory(), "generate", "--model", TestPaths.Stories260k, "--adapter", adapter,
            "--prompt", "Once upon a time", "--temperature", "0", "--max-new-tokens", "8", "--device", "cpu");
        output.WriteLine(result.Stdout + result.Stderr);

        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public void PackingRejected()
    {
        var yaml = $"""
            model: {TestPaths.Stories260k}
            objective: sft
            mechanism: loreft
            output_dir: packed
            data:
              train: {TestPaths.SharedData("gsm8k_sft.dev.jsonl")}
              packing: true
            """;
        var recipe = RecipeLoader.Parse(yaml, Path.Combine(dir, "recipe.yaml"), dir);

        var error = Assert.Throws<SharpTuneInputException>(() => RecipeRun.Execute(recipe));
        Assert.Contains("data.packing", error.Message);
    }
}
