using SharpTune.Data;
using SharpTune.Models;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using SharpTune.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;
using TrainingOptions = SharpTune.Recipes.TrainingOptions;

namespace SharpTune.Tests.Training;

/// <summary>
/// Full fine-tuning of stories260k in bf16 against fp32, and fp16 loss scaling through an injected overflow.
/// </summary>
public sealed class MixedPrecisionTests(ITestOutputHelper output)
{
    /// <summary>
    /// Largest per-step difference allowed between the bf16 and fp32 training losses over the first 10 steps.
    /// bf16 keeps 8 significant bits (relative rounding 2^-9 ≈ 0.2 %); on this data the largest measured difference was 0.016.
    /// </summary>
    const double Bf16LossTolerance = 0.05;

    static readonly TrainingOptions Settings = new()
    {
        MaxSteps = 10,
        BatchSize = 8,
        LearningRate = 1e-3,
        WarmupSteps = 0,
        LoggingSteps = 1,
        Seed = 7,
    };

    static (ExampleBatchSource Train, ExampleBatchSource Eval) Data()
    {
        var examples = TrainingMaterial.ShortGsm8kExamples(48, maxTokens: 300);
        using var tokenizer = TrainingMaterial.LoadTokenizer();
        var collator = Collator.For(tokenizer);
        return (new ExampleBatchSource(examples.Skip(16).ToList(), collator), new ExampleBatchSource(examples.Take(16).ToList(), collator));
    }

    static (double[] Losses, double EvalBefore, double EvalAfter) Train(ScalarType dtype)
    {
        var (train, eval) = Data();
        using var model = PretrainedModel.Load(TestPaths.Stories260k, dtype, CPU);
        var dir = TestPaths.NewTempDir("sharptune-precision");
        try
        {
            var trainer = new Trainer(model, Settings, train, eval, dir);
            trainer.Train();
            var losses = MetricsFile.RawValues(trainer.MetricsPath, "loss").Select(v => double.Parse(v.Value)).ToArray();
            var evals = MetricsFile.RawValues(trainer.MetricsPath, "eval_loss").Select(v => double.Parse(v.Value)).ToArray();
            return (losses, evals[0], evals[^1]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Bf16_TracksFp32AndLowersEvalLoss()
    {
        var fp32 = Train(ScalarType.Float32);
        var bf16 = Train(ScalarType.BFloat16);
        var differences = fp32.Losses.Zip(bf16.Losses, (a, b) => Math.Abs(a - b)).ToArray();
        output.WriteLine($"fp32 losses: {string.Join(' ', fp32.Losses.Select(l => l.ToString("F4")))}");
        output.WriteLine($"bf16 losses: {string.Join(' ', bf16.Losses.Select(l => l.ToString("F4")))}");
        output.WriteLine($"max difference {differences.Max():F4}; bf16 eval loss {bf16.EvalBefore:F4} -> {bf16.EvalAfter:F4}");

        Assert.Equal(Settings.MaxSteps, bf16.Losses.Length);
        Assert.True(differences.Max() <= Bf16LossTolerance, $"bf16 loss differs from fp32 by {differences.Max()}");
        Assert.True(bf16.EvalAfter < bf16.EvalBefore, $"bf16 eval loss went from {bf16.EvalBefore} to {bf16.EvalAfter}");
    }

    /// <summary>Returns an infinite loss on the first training call and the causal LM loss otherwise.</summary>
    sealed class OverflowOnce : ITrainingObjective
    {
        int trainingCalls;

        public IEnumerable<(string Name, TorchSharp.Modules.Parameter Parameter)> ExtraParameters => [];

        public long TermCount(Batch batch) => CausalLmObjective.Instance.TermCount(batch);

        public Tensor LossSum(LlamaForCausalLM model, Batch batch)
        {
            var sum = CausalLmObjective.Instance.LossSum(model, batch);
            // Evaluation runs in eval mode; only a training forward gets the overflow.
            return model.training && trainingCalls++ == 0 ? sum * float.PositiveInfinity : sum;
        }
    }

    [Fact]
    public void Fp16_SkipsOverflowedStepAndHalvesScale()
    {
        var (train, _) = Data();
        using var model = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float16, CPU);
        var before = model.named_parameters().First(p => p.name == "model.norm.weight").parameter.to(ScalarType.Float32).data<float>().ToArray();
        var scaler = new GradScaler();
        var dir = TestPaths.NewTempDir("sharptune-fp16");
        try
        {
            var settings = Settings with { MaxSteps = 1 };
            new Trainer(model, settings, train, eval: null, dir, objective: new OverflowOnce(), scaler: scaler).Train();
            var after = model.named_parameters().First(p => p.name == "model.norm.weight").parameter.to(ScalarType.Float32).data<float>().ToArray();
            var skipped = MetricsFile.RawValues(Path.Combine(dir, "metrics.jsonl"), "skipped");

            Assert.Equal(32768.0, scaler.Scale);
            Assert.Equal(1, scaler.SkippedSteps);
            Assert.Equal([(1, "true")], skipped);
            Assert.Equal(before, after);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Fp16_TrainsAfterOverflow()
    {
        var (train, eval) = Data();
        using var model = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float16, CPU);
        var scaler = new GradScaler();
        var dir = TestPaths.NewTempDir("sharptune-fp16");
        try
        {
            var trainer = new Trainer(model, Settings with { MaxSteps = 5 }, train, eval, dir, objective: new OverflowOnce(), scaler: scaler);
            trainer.Train();
            var evals = MetricsFile.RawValues(trainer.MetricsPath, "eval_loss").Select(v => double.Parse(v.Value)).ToArray();
            output.WriteLine($"fp16 eval loss {evals[0]:F4} -> {evals[^1]:F4}; scale {scaler.Scale}, skipped {scaler.SkippedSteps}");

            Assert.True(evals[^1] < evals[0], $"fp16 eval loss went from {evals[0]} to {evals[^1]}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
