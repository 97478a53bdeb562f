using SharpTune.Recipes;
using SharpTune.Training;
using Xunit.Abstractions;
using static SharpTune.Tests.Training.TrainingMaterial;

namespace SharpTune.Tests.Training;

/// <summary>One packed, full-tuning continued-pretraining run on Grimms' fairy tales, shared by the tests below.</summary>
public sealed class CptRunFixture
{
    public string OutputDir { get; }

    public CptRunFixture()
    {
        var dir = TestPaths.NewTempDir("sharptune-cpt");
        var recipe = RecipeLoader.Parse($"""
            model: {TestPaths.Stories260k}
            objective: cpt
            mechanism: full
            device: cpu
            output_dir: out
            data:
              train: {Grimm}
              eval_fraction: 0.1
              max_length: 128
              packing: true
            training:
              max_steps: 20
              batch_size: 4
              learning_rate: 2e-3
              lr_scheduler: constant
            """, Path.Combine(dir, "recipe.yaml"), dir);
        OutputDir = RecipeRun.Execute(recipe).OutputDir;
    }
}

[Collection(TrainingCollection.Name)]
public class CptTrainingTests(CptRunFixture run, ITestOutputHelper output) : IClassFixture<CptRunFixture>
{
    [Fact]
    public void PackedFullTuning_LowersEvalLoss()
    {
        var evals = MetricsFile.RawValues(Path.Combine(run.OutputDir, "metrics.jsonl"), "eval_loss");
        double before = double.Parse(evals[0].Value), after = double.Parse(evals[^1].Value);
        output.WriteLine($"eval_loss {before} at step {evals[0].Step} -> {after} at step {evals[^1].Step}");

        Assert.Equal(0, evals[0].Step);
        Assert.Equal(20, evals[^1].Step);
        Assert.True(after < before, $"eval_loss rose from {before} to {after}");
    }

    [Fact]
    public void FullTuning_ChangesEveryTensor()
    {
        var original = ReadTensors(Path.Combine(TestPaths.Stories260k, "model.safetensors"));
        var trained = ReadTensors(Path.Combine(run.OutputDir, "model", "model.safetensors"));

        // stories260k: 5 layers of 9 tensors (q, k, v, o, gate, up, down, two norms), the embedding and the final
        // norm. The output head is tied to the embedding, so the saved model stores it once.
        Assert.Equal(47, trained.Count);
        foreach (var (name, values) in trained)
        {
            Assert.False(values.AsSpan().SequenceEqual(original[name]), $"{name} did not change");
        }
    }
}
