using SharpTune.Mechanisms.Qlora;
using SharpTune.Recipes;
using SharpTune.Training;

namespace SharpTune.Tests.Mechanisms.Qlora;

/// <summary>
/// A QLoRA adapter records its NF4 base; merging it says so, and quantizing the merged weights again warns that
/// outputs will shift.
/// </summary>
[Collection(SharpTune.Tests.Training.TrainingCollection.Name)]
public sealed class RequantizeWarningTests : IDisposable
{
    const string Warning = "quantizes it again, so its outputs will shift from the trained model's";

    readonly string dir = TestPaths.NewTempDir("sharptune-requantize");
    readonly string adapter;

    public RequantizeWarningTests()
    {
        var yaml = $"""
            model: {TestPaths.Stories260k}
            objective: sft
            mechanism: qlora
            device: cpu
            output_dir: run
            data:
              train: {TestPaths.SharedData("gsm8k_sft.dev.jsonl")}
              max_length: 192
            lora:
              r: 4
              target_modules: [q_proj, v_proj]
            training:
              max_steps: 2
              batch_size: 2
            """;
        RecipeRun.Execute(RecipeLoader.Parse(yaml, Path.Combine(dir, "recipe.yaml"), dir));
        adapter = Path.Combine(dir, "run", "adapter");
    }

    // One test for all commands, so the adapter is trained once.
    [Fact]
    public void MergeAndQuantizedExports_Warn()
    {
        var merged = Path.Combine(dir, "merged");
        var merge = CliProcess.Run(dir, "merge", "--model", TestPaths.Stories260k, "--adapter", adapter, "--output", merged);
        var q8 = CliProcess.Run(dir, "export", "--model", merged, "--format", "gguf", "--dtype", "q8_0", "--output", Path.Combine(dir, "m.gguf"));
        var f32 = CliProcess.Run(dir, "export", "--model", merged, "--format", "gguf", "--dtype", "f32", "--output", Path.Combine(dir, "f.gguf"));
        var q4 = CliProcess.Run(dir, "export", "--model", TestPaths.Stories260k, "--adapter", adapter,
            "--format", "gguf", "--dtype", "q4_0", "--output", Path.Combine(dir, "a.gguf"));

        Assert.Equal([0, 0, 0, 0], [merge.ExitCode, q8.ExitCode, f32.ExitCode, q4.ExitCode]);
        Assert.Equal("nf4", QuantizedBaseRecord.Read(adapter)?.Name);
        Assert.Contains("trained on a base stored in nf4: merged into the dequantized base", merge.Stderr);
        Assert.Contains($"storing the merged model in q8_0 {Warning}", q8.Stderr);
        Assert.DoesNotContain(Warning, f32.Stderr);
        Assert.Contains($"storing the merged model in q4_0 {Warning}", q4.Stderr);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
