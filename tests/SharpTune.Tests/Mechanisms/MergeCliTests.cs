using SharpTune.Data;
using SharpTune.Generation;
using SharpTune.Models;
using SharpTune.Recipes;
using SharpTune.Tests.Generation;
using SharpTune.Tokenization;
using SharpTune.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpTune.Tests.Mechanisms;

/// <summary>
/// <c>sharptune merge</c> on the adapter of a short recipe run: greedy generation from the merged model must give
/// the same text as generation from the base model with the adapter attached.
/// </summary>
public sealed class MergeCliTests(ITestOutputHelper output) : IDisposable
{
    const string MaxNewTokens = "48";

    static readonly string Prompt = AlpacaPrompt.Render("Tom has 3 apples and buys 4 more. How many apples does he have?");

    readonly string dir = TestPaths.NewTempDir("sharptune-merge");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    string TrainShortRun()
    {
        var yaml = $"""
            model: {TestPaths.Stories260k}
            objective: sft
            mechanism: lora
            device: cpu
            output_dir: run
            data:
              train: {TestPaths.SharedData("gsm8k_sft.dev.jsonl")}
              max_length: 192
            lora:
              r: 8
              alpha: 16
              target_modules: [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]
            training:
              max_steps: 4
              batch_size: 8
              learning_rate: 1.0e-3
              seed: 42
            """;
        var recipe = RecipeLoader.Parse(yaml, Path.Combine(dir, "recipe.yaml"), dir);
        RecipeRun.Execute(recipe);
        return Path.Combine(dir, "run", "adapter");
    }

    static string GreedyBaseCompletion()
    {
        using var model = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
        using var tokenizer = HfTokenizer.Load(TestPaths.Stories260k);
        var options = new GenerationOptions { MaxNewTokens = int.Parse(MaxNewTokens), Temperature = 0 };
        return TextCompletion.Complete(model, tokenizer, Prompt, options).Text + Environment.NewLine;
    }

    [Fact]
    public void MergedModel_GeneratesAdapterText()
    {
        var adapter = TrainShortRun();
        var merged = Path.Combine(dir, "merged");

        var merge = CliProcess.Run(Directory.GetCurrentDirectory(), "merge", "--model", TestPaths.Stories260k, "--adapter", adapter, "--output", merged);
        var fromMerged = CliProcess.Run(Directory.GetCurrentDirectory(), "generate", "--model", merged, "--prompt", Prompt,
            "--temperature", "0", "--max-new-tokens", MaxNewTokens, "--device", "cpu");
        var fromAdapter = CliProcess.Run(Directory.GetCurrentDirectory(), "generate", "--model", TestPaths.Stories260k, "--adapter", adapter, "--prompt", Prompt,
            "--temperature", "0", "--max-new-tokens", MaxNewTokens, "--device", "cpu");

        output.WriteLine($"with adapter: {fromAdapter.Stdout}");
        output.WriteLine($"merged: {fromMerged.Stdout}");
        Assert.Equal(0, merge.ExitCode);
        Assert.Equal(0, fromMerged.ExitCode);
        Assert.Equal(0, fromAdapter.ExitCode);
        Assert.NotEqual(GreedyBaseCompletion(), fromAdapter.Stdout); // the adapter has an effect
        Assert.Equal(fromAdapter.Stdout, fromMerged.Stdout);
    }
}
