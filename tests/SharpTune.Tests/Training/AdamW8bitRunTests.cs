using System.Text.Json.Nodes;
using SharpTune.Recipes;
using SharpTune.Training;
using Xunit.Abstractions;

namespace SharpTune.Tests.Training;

/// <summary>Full fine-tuning of stories260k with 8-bit and float32 AdamW, and the optimizer keys through the CLI.</summary>
[Collection(TrainingCollection.Name)]
public sealed class AdamW8bitRunTests(ITestOutputHelper output) : IDisposable
{
    readonly string dir = TestPaths.NewTempDir("sharptune-adamw8bit");

    [Fact]
    public void FullFineTuning_EightBitEvalLossFollowsFloat32()
    {
        var plain = Run("adamw");
        var eightBit = Run("adamw8bit");
        output.WriteLine($"eval loss: start {plain.Start:F4}; after 12 steps float32 {plain.End:F4}, 8-bit {eightBit.End:F4}");

        // Both start from the same weights. Tolerance: 1 % of the drop that float32 AdamW achieves (measured: 0.03 %,
        // 3.4330 against 3.4338 after a drop of 2.58); an 8-bit update that went wrong loses much of the drop or diverges.
        Assert.Equal(plain.Start, eightBit.Start);
        Assert.True(Math.Abs(eightBit.End - plain.End) <= 0.01 * (plain.Start - plain.End),
            $"8-bit eval loss {eightBit.End:F4} against float32 {plain.End:F4} (drop {plain.Start - plain.End:F4})");
    }

    [Fact]
    public void CpuStateDevice_OnCpuRunSaysItChangesNothing()
    {
        var recipe = WriteRecipe("cli", "adamw8bit", "optimizer_state_device: cpu");
        var result = CliProcess.Run(dir, "train", recipe, "--set", "training.max_steps=1");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("training.optimizer_state_device cpu: the model is already on the CPU", result.Stderr);
    }

    (double Start, double End) Run(string optimizer)
    {
        var path = WriteRecipe(optimizer, optimizer, "");
        RecipeRun.Execute(RecipeLoader.Load(path));
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, optimizer, "summary.json")))!;
        return (summary["initial_eval_loss"]!.GetValue<double>(), summary["final_eval_loss"]!.GetValue<double>());
    }

    string WriteRecipe(string name, string optimizer, string extra)
    {
        var path = Path.Combine(dir, $"{name}.yaml");
        File.WriteAllText(path, $"""
            model: {TestPaths.Stories260k}
            objective: sft
            mechanism: full
            device: cpu
            output_dir: {name}
            data:
              train: {TestPaths.SharedData("gsm8k_sft.dev.jsonl")}
              eval_fraction: 0.1
              max_length: 192
            training:
              max_steps: 12
              batch_size: 8
              learning_rate: 1e-3
              eval_steps: 12
              optimizer: {optimizer}
              {extra}
            """);
        return path;
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
