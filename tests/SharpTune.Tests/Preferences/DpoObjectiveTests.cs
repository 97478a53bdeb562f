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
public class DpoObjectiveTests(ITestOutputHelper output)
{
    [Fact]
    public void StepZero_LossIsLn2()
    {
        using var model = LoadModel();
        AttachLora(model);
        var objective = new DpoObjective(0.1, DpoLossType.Sigmoid, AdapterDisabledReference.Instance);
        using var batch = Source(Pairs(count: 4, maxLength: 128)).Collate([0, 1, 2, 3]);

        using var loss = objective.LossSum(model, batch);

        Assert.Equal(Math.Log(2), loss.item<float>() / objective.TermCount(batch), 1e-6);
    }

    [Fact]
    public void FrozenCopy_StepZeroLossIsLn2()
    {
        using var model = LoadModel();
        using var copy = LoadModel();
        foreach (var parameter in model.parameters())
            parameter.requires_grad = true;
        var objective = new DpoObjective(0.1, DpoLossType.Sigmoid, new FrozenModelReference(copy));
        using var batch = Source(Pairs(count: 4, maxLength: 128)).Collate([0, 1, 2, 3]);

        using var loss = objective.LossSum(model, batch);

        Assert.Equal(Math.Log(2), loss.item<float>() / objective.TermCount(batch), 1e-6);
    }

    [Fact]
    public void DisabledAdapter_GivesBaseLogProbs()
    {
        using var batch = Source(Pairs(count: 2, maxLength: 128)).Collate([0, 1]);
        using var baseModel = LoadModel();
        using var baseLogProbs = SequenceLogProbs.Sum(BatchForward.Logits(baseModel, batch), batch.Labels);
        using var model = LoadModel();
        AttachLora(model);
        using (no_grad())
            foreach (var (_, layer) in LoraModel.Layers(model))
                layer.lora_B.weight!.normal_(0, 0.5);

        using var reference = AdapterDisabledReference.Instance.LogProbs(model, batch);
        using var adapted = SequenceLogProbs.Sum(BatchForward.Logits(model, batch), batch.Labels);

        Assert.Equal(baseLogProbs.data<float>().ToArray(), reference.data<float>().ToArray());
        Assert.NotEqual(baseLogProbs.data<float>().ToArray(), adapted.data<float>().ToArray());
    }

    [Fact]
    public void Precomputed_EqualsOnlineReference()
    {
        using var model = LoadModel();
        AttachLora(model);
        var source = Source(Pairs(count: 6, maxLength: 128));
        var precomputed = PrecomputedReference.Compute(model, AdapterDisabledReference.Instance, batchSize: 4, source);
        // Another grouping pads the rows to other lengths, so lookup by tokens must ignore padding.
        using var batch = source.Collate([5, 0, 3]);

        using var online = AdapterDisabledReference.Instance.LogProbs(model, batch);
        using var stored = precomputed.LogProbs(model, batch);

        var difference = (online - stored).abs().max().item<float>();
        output.WriteLine($"max difference {difference:E2}");
        Assert.InRange(difference, 0, 1e-5);
    }

    [Theory]
    [InlineData(DpoLossType.Sigmoid)]
    [InlineData(DpoLossType.Ipo)]
    public void Batch4_Equals1x4(DpoLossType lossType)
    {
        var pairs = ShortPairs(count: 4, maxTokens: 120);
        Assert.True(pairs.Select(p => p.Chosen.Length).Distinct().Count() > 1, "pairs should differ in length");

        var whole = OneStep(pairs, batchSize: 4, accumulation: 1, lossType);
        var accumulated = OneStep(pairs, batchSize: 1, accumulation: 4, lossType);

        // IPO's squared loss gives gradients in the hundreds, so float32 rounding is judged relative to the largest value.
        var (name, difference) = MaxDifference(whole, accumulated);
        double largest = Math.Max(1, whole.Values.SelectMany(v => v).Max(v => Math.Abs((double)v)));
        output.WriteLine($"max parameter or first-moment difference {difference:E2} in {name}; largest magnitude {largest:E2}");
        Assert.InRange(difference / largest, 0, 1e-5);
    }

    static Dictionary<string, float[]> OneStep(IReadOnlyList<global::SharpTune.Data.TokenizedPair> pairs, int batchSize, int accumulation, DpoLossType lossType)
    {
        var runDir = TestPaths.NewTempDir("sharptune-dpo-accumulation");
        using var model = LoadModel();
        AttachLora(model);
        // B starts at zero, so one step from the start would give every pair the same gradient path; a random B
        // makes the policy differ from the reference and the loss terms differ per pair.
        using (no_grad())
            foreach (var (_, layer) in LoraModel.Layers(model))
                layer.lora_B.weight!.normal_(0, 0.05, generator: new Generator(3));
        var settings = new TrainingOptions
        {
            MaxSteps = 1,
            BatchSize = batchSize,
            GradientAccumulationSteps = accumulation,
            LearningRate = 1e-4,
            LrScheduler = LrSchedulerKind.Constant,
            MaxGradNorm = 0,
        };
        var objective = new DpoObjective(0.1, lossType, AdapterDisabledReference.Instance);
        new Trainer(model, settings, Source(pairs), null, runDir, objective: objective).Train();
        // AdamW's first moment exposes the gradient, which Adam's normalised update would hide.
        var checkpoint = Path.Combine(runDir, "checkpoint-1");
        return ReadTensors(Path.Combine(checkpoint, "trainable.safetensors"))
            .Concat(ReadTensors(Path.Combine(checkpoint, "optimizer.safetensors")).Where(t => t.Key.StartsWith("exp_avg.", StringComparison.Ordinal)))
            .ToDictionary();
    }
}
