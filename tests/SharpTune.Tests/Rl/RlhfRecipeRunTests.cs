using System.Text.Json.Nodes;
using SharpTune.Recipes;
using SharpTune.Training;
using Xunit.Abstractions;

namespace SharpTune.Tests.Rl;

/// <summary>
/// The example RLHF recipes on stories260k with LoRA: 50 steps of PPO or GRPO with the word_count reward for
/// "the" must raise the mean reward while the KL to the reference stays bounded.
/// </summary>
[Collection(Training.TrainingCollection.Name)]
public sealed class RlhfRecipeRunTests(ITestOutputHelper output) : IDisposable
{
    readonly string dir = TestPaths.NewTempDir("sharptune-rlhf-run");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    // A response has at most 16 tokens. 20 nats per response is about 1.25 nats per token: far from the
    // reference, yet well short of the collapse of an unpenalised run, whose KL kept climbing past 30.
    const double MaxKl = 20;

    (double First, double Last, double MaxKl, IReadOnlyList<JsonObject> Records) Run(string example)
    {
        var outputDir = Path.Combine(dir, "run");
        var recipe = RecipeLoader.Load(Path.Combine(TestPaths.RepoRoot, "examples", "rlhf", example), [$"output_dir={outputDir}"]);
        RecipeRun.Execute(recipe);
        var records = MetricsLog.Read(Path.Combine(outputDir, "metrics.jsonl"));
        double first = records.Take(10).Average(r => r["reward"]!.GetValue<double>());
        double last = records.TakeLast(10).Average(r => r["reward"]!.GetValue<double>());
        double maxKl = records.Max(r => r["kl"]!.GetValue<double>());
        output.WriteLine($"{example}: mean reward first 10 steps {first:F3}, last 10 steps {last:F3}, max KL {maxKl:F3}");
        Assert.True(File.Exists(Path.Combine(outputDir, "adapter", "adapter_model.safetensors")));
        return (first, last, maxKl, records);
    }

    [Fact]
    public void Ppo_WordCount_RaisesRewardWithBoundedKl()
    {
        var (first, last, maxKl, records) = Run("ppo-word-count.yaml");

        Assert.Equal(50, records.Count);
        Assert.All(records, r => Assert.True(r.ContainsKey("value_loss") && r.ContainsKey("entropy") && r.ContainsKey("clip_fraction")));
        Assert.True(last > first + 0.4, $"mean reward {first:F3} -> {last:F3} should rise by more than 0.4");
        Assert.InRange(maxKl, 0, MaxKl);
        Assert.True(File.Exists(Path.Combine(dir, "run", "adapter", PolicyArtifact.ValueHeadFile)));
    }

    [Fact]
    public void Grpo_WordCount_RaisesRewardWithBoundedKl()
    {
        var (first, last, maxKl, records) = Run("grpo-word-count.yaml");

        Assert.DoesNotContain(records, r => r.ContainsKey("value_loss"));
        Assert.True(last > first + 0.4, $"mean reward {first:F3} -> {last:F3} should rise by more than 0.4");
        Assert.InRange(maxKl, 0, MaxKl);
    }
}
