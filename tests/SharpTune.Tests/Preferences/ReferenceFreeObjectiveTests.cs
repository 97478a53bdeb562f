using SharpTune.Mechanisms.Lora;
using SharpTune.Objectives;
using SharpTune.Recipes;
using SharpTune.Training;
using Xunit.Abstractions;
using static SharpTune.Tests.Preferences.PreferenceMaterial;
using static SharpTune.Tests.Training.TrainingMaterial;
using static TorchSharp.torch;

namespace SharpTune.Tests.Preferences;

[Collection(Training.TrainingCollection.Name)]
public class ReferenceFreeObjectiveTests(ITestOutputHelper output)
{
    // Mean log-probs -0.5 (chosen) and -1.2 (rejected). ORPO with lambda 0.1: log odds
    // = 0.7 - (log(1 - e^-0.5) - log(1 - e^-1.2)), loss = 0.5 - 0.1 * log sigmoid(log odds) = 0.5246553113482877.
    // SimPO with beta 2 and gamma 0.5: -log sigmoid(2 * 0.7 - 0.5) = 0.3411538747320879 (both from Python's math).
    [Fact]
    public void Orpo_MatchesHandComputation()
    {
        using var loss = OrpoObjective.Loss(tensor(new[] { -0.5f }), tensor(new[] { -1.2f }), lambda: 0.1);

        Assert.Equal(0.5246553113482877, loss.item<float>(), 1e-6);
    }

    [Fact]
    public void Simpo_MatchesHandComputation()
    {
        using var loss = SimpoObjective.Loss(tensor(new[] { -0.5f }), tensor(new[] { -1.2f }), beta: 2, gamma: 0.5);

        Assert.Equal(0.3411538747320879, loss.item<float>(), 1e-6);
    }

    [Fact]
    public void Orpo_Batch4Equals1x4()
    {
        var pairs = ShortPairs(count: 4, maxTokens: 120);

        var whole = OneStep(pairs, batchSize: 4, accumulation: 1);
        var accumulated = OneStep(pairs, batchSize: 1, accumulation: 4);

        var (name, difference) = MaxDifference(whole, accumulated);
        double largest = Math.Max(1, whole.Values.SelectMany(v => v).Max(v => Math.Abs((double)v)));
        output.WriteLine($"max parameter or first-moment difference {difference:E2} in {name}; largest magnitude {largest:E2}");
        Assert.InRange(difference / largest, 0, 1e-5);
    }

    static Dictionary<string, float[]> OneStep(IReadOnlyList<global::SharpTune.Data.TokenizedPair> pairs, int batchSize, int accumulation)
    {
        var runDir = TestPaths.NewTempDir("sharptune-orpo-accumulation");
        using var model = LoadModel();
        AttachLora(model);
        var settings = new TrainingOptions
        {
            MaxSteps = 1,
            BatchSize = batchSize,
            GradientAccumulationSteps = accumulation,
            LearningRate = 1e-4,
            LrScheduler = LrSchedulerKind.Constant,
            MaxGradNorm = 0,
        };
        new Trainer(model, settings, Source(pairs), null, runDir, objective: new OrpoObjective(0.1)).Train();
        // AdamW's first moment exposes the gradient, which Adam's normalised update would hide.
        var checkpoint = Path.Combine(runDir, "checkpoint-1");
        return ReadTensors(Path.Combine(checkpoint, "trainable.safetensors"))
            .Concat(ReadTensors(Path.Combine(checkpoint, "optimizer.safetensors")).Where(t => t.Key.StartsWith("exp_avg.", StringComparison.Ordinal)))
            .ToDictionary();
    }
}
