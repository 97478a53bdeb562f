using SharpTune.Data;
using SharpTune.Mechanisms.Lora;
using SharpTune.Recipes;
using SharpTune.Training;
using Xunit.Abstractions;
using static SharpTune.Tests.Training.TrainingMaterial;

namespace SharpTune.Tests.Training;

/// <summary>
/// Batch 8 without accumulation and batch 2 with 4 accumulation steps must make the same optimizer steps, on
/// examples of different lengths. The trainer divides each micro-batch's summed loss by the target-token count of
/// the whole accumulated batch. A mean of per-micro-batch means would weight short micro-batches more.
/// </summary>
[Collection(TrainingCollection.Name)]
public class GradientAccumulationTests(ITestOutputHelper output)
{
    // The two layouts sum in another order over other padding, so float32 results differ by rounding only
    // (measured at most 7e-7 for gradients and 2.3e-6 for weights).
    const double Tolerance = 1e-5;

    // AdamW's first step moves each weight by lr * g / (|g| + 1e-8), which turns rounding noise in gradients near
    // 1e-8 into an update difference of a few percent of lr. At 1e-4 that stays below the tolerance. The gradient
    // comparison checks the accumulation itself at full precision.
    const double LearningRate = 1e-4;

    // Clipping at 0.5 is active, because the first step's gradient norm is about 5 with LoRA and 21 with full tuning.
    [Theory]
    [InlineData(false, 0.0)]
    [InlineData(false, 0.5)]
    [InlineData(true, 0.0)]
    [InlineData(true, 0.5)]
    public void Batch8_Equals2x4(bool lora, double maxGradNorm)
    {
        // 16 examples make two optimizer steps of 8. Both layouts draw the same seeded permutation and cut it
        // into consecutive micro-batches, so each step uses the same 8 examples.
        var examples = ShortGsm8kExamples(count: 16, maxTokens: 300);
        Assert.True(examples.Select(e => e.Length).Distinct().Count() > 8, "examples should differ in length");

        var whole = TwoSteps(examples, batchSize: 8, accumulation: 1, lora, maxGradNorm);
        var accumulated = TwoSteps(examples, batchSize: 2, accumulation: 4, lora, maxGradNorm);

        if (maxGradNorm > 0)
            Assert.True(whole.GradNorm > maxGradNorm, $"grad_norm {whole.GradNorm} should exceed max_grad_norm, so clipping runs");
        AssertClose("loss", whole.Loss, accumulated.Loss);
        AssertClose("grad_norm", whole.GradNorm, accumulated.GradNorm);
        AssertClose("gradient after step 1", whole.FirstMoment, accumulated.FirstMoment);
        AssertClose("parameters after step 1", whole.AfterStep1, accumulated.AfterStep1);
        AssertClose("parameters after step 2", whole.AfterStep2, accumulated.AfterStep2);
    }

    void AssertClose(string what, double expected, double actual)
    {
        output.WriteLine($"{what}: {expected} vs {actual}, difference {Math.Abs(expected - actual):E2}");
        Assert.InRange(Math.Abs(expected - actual), 0, Tolerance);
    }

    void AssertClose(string what, Dictionary<string, float[]> expected, Dictionary<string, float[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        var (name, difference) = MaxDifference(expected, actual);
        double largest = expected.Values.SelectMany(v => v).Max(v => Math.Abs((double)v));
        output.WriteLine($"{what}: max difference {difference:E2} in {name}; largest magnitude {largest:E2}");
        Assert.True(difference <= Tolerance, $"{what}: {name} differs by {difference:E2}");
    }

    sealed record StepResult(
        double Loss, double GradNorm, Dictionary<string, float[]> FirstMoment,
        Dictionary<string, float[]> AfterStep1, Dictionary<string, float[]> AfterStep2);

    static StepResult TwoSteps(IReadOnlyList<TokenizedExample> examples, int batchSize, int accumulation, bool lora, double maxGradNorm)
    {
        var runDir = TestPaths.NewTempDir("sharptune-accumulation");
        using var model = LoadModel();
        if (lora)
            LoraModel.Attach(model, new global::SharpTune.Mechanisms.Lora.LoraOptions
            {
                R = 4,
                Alpha = 8,
                Dropout = 0,
                TargetModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
            }, seed: 7);
        else
            foreach (var parameter in model.parameters())
                parameter.requires_grad = true;

        var settings = new TrainingOptions
        {
            MaxSteps = 2,
            BatchSize = batchSize,
            GradientAccumulationSteps = accumulation,
            LearningRate = LearningRate,
            LrScheduler = LrSchedulerKind.Constant,
            WeightDecay = 0.01,
            MaxGradNorm = maxGradNorm,
            SaveSteps = 1,
        };
        using var tokenizer = LoadTokenizer();
        var trainer = new Trainer(model, settings, new ExampleBatchSource(examples, Collator.For(tokenizer)), null, runDir);
        trainer.Train();

        var first = MetricsLog.Read(trainer.MetricsPath).First(r => r["step"]!.GetValue<int>() == 1);
        // AdamW's first moment after one step is (1 - beta1) * g, so it exposes the clipped gradient.
        var firstMoment = ReadTensors(Path.Combine(runDir, "checkpoint-1", "optimizer.safetensors"))
            .Where(t => t.Key.StartsWith("exp_avg.", StringComparison.Ordinal))
            .ToDictionary(t => t.Key, t => t.Value.Select(m => (float)(m / (1 - AdamW.Beta1))).ToArray());
        return new StepResult(
            first["loss"]!.GetValue<double>(),
            first["grad_norm"]!.GetValue<double>(),
            firstMoment,
            ReadTensors(Path.Combine(runDir, "checkpoint-1", "trainable.safetensors")),
            ReadTensors(Path.Combine(runDir, "checkpoint-2", "trainable.safetensors")));
    }
}
