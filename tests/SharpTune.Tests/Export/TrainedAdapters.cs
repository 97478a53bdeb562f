using SharpTune.Recipes;
using SharpTune.Training;

namespace SharpTune.Tests.Export;

/// <summary>
/// Two LoRA adapters trained briefly on stories260k with GSM8K SFT data, differing in seed and learning rate so
/// that their outputs differ from each other and from the base model. Shared by the export and serving tests.
/// </summary>
public sealed class TrainedAdapters : IDisposable
{
    readonly string _dir = TestPaths.NewTempDir("sharptune-adapters");

    public string First { get; }
    public string Second { get; }

    public TrainedAdapters()
    {
        First = Train("first", seed: 42, learningRate: 5e-3);
        Second = Train("second", seed: 7, learningRate: 8e-3);
    }

    string Train(string name, int seed, double learningRate)
    {
        var yaml = $"""
            model: {TestPaths.Stories260k}
            objective: sft
            mechanism: lora
            device: cpu
            output_dir: {name}
            data:
              train: {TestPaths.SharedData("gsm8k_sft.dev.jsonl")}
              max_length: 192
            lora:
              r: 8
              alpha: 16
              target_modules: [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]
            training:
              max_steps: 6
              batch_size: 8
              learning_rate: {learningRate.ToString(System.Globalization.CultureInfo.InvariantCulture)}
              seed: {seed}
            """;
        var recipe = RecipeLoader.Parse(yaml, Path.Combine(_dir, $"{name}.yaml"), _dir);
        RecipeRun.Execute(recipe);
        return Path.Combine(_dir, name, "adapter");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
