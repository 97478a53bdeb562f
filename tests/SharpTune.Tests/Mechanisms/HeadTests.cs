using System.Runtime.InteropServices;
using SharpTune.Data;
using SharpTune.Mechanisms;
using SharpTune.Mechanisms.Heads;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using SharpTune.Tests.Training;
using SharpTune.Training;
using static TorchSharp.torch;
using TrainingOptions = SharpTune.Recipes.TrainingOptions;

namespace SharpTune.Tests.Mechanisms;

/// <summary>
/// A linear probe on frozen stories260k, trained for a few steps on poem-sentiment verses: the first 96 records
/// train and the next 64 evaluate.
/// </summary>
public sealed class HeadFixture : IDisposable
{
    readonly string tempDir = TestPaths.NewTempDir("sharptune-head");

    public LlamaForCausalLM Model { get; } = TrainingMaterial.LoadModel();
    public IReadOnlyDictionary<string, byte[]> AttachedBytes { get; }
    public IReadOnlyDictionary<string, byte[]> TrainedBytes { get; }
    public ClassificationHead Head { get; }
    public ClassifyObjective Objective { get; }
    public ExampleBatchSource Eval { get; }
    public double EvalLossBefore { get; }
    public double EvalLossAfter { get; }
    public Tensor TrainedClassLogits { get; }
    public string ArtifactDir => Path.Combine(tempDir, "adapter");

    public HeadFixture()
    {
        var data = TestPaths.SharedData("poem_sentiment.dev.jsonl");
        using var tokenizer = TrainingMaterial.LoadTokenizer();
        var labels = ClassificationExamples.LabelSet(data, "label");
        var examples = ClassificationExamples.Build(data, tokenizer, 64, "verse_text", "label", labels).Examples;
        var collator = Collator.For(tokenizer);
        var train = new ExampleBatchSource(examples.Take(96).ToList(), collator);
        Eval = new ExampleBatchSource(examples.Skip(96).Take(64).ToList(), collator);

        Head = HeadModel.Attach(Model, new HeadOptions { Pooling = HeadPooling.Mean }, labels, seed: 42);
        Objective = new ClassifyObjective(Head);
        AttachedBytes = Snapshot(Model);
        var training = new TrainingOptions { MaxSteps = 12, BatchSize = 16, LearningRate = 3e-2, Seed = 42 };
        EvalLossBefore = BatchForward.MeanLoss(Model, Eval, 16, Objective).Loss;
        new Trainer(Model, training, train, null, Path.Combine(tempDir, "run"), objective: Objective).Train();
        EvalLossAfter = BatchForward.MeanLoss(Model, Eval, 16, Objective).Loss;
        TrainedBytes = Snapshot(Model);
        TrainedClassLogits = ClassLogits(Model, Objective, Eval);
        HeadModel.Save(Model, Head, ArtifactDir);
    }

    public static Tensor ClassLogits(LlamaForCausalLM model, ClassifyObjective objective, IBatchSource source)
    {
        model.eval();
        using var guard = no_grad();
        using var batch = source.Collate(Enumerable.Range(0, source.Count).ToList());
        return objective.Logits(model, batch);
    }

    static Dictionary<string, byte[]> Snapshot(LlamaForCausalLM model) =>
        model.named_parameters().ToDictionary(p => p.name, p => MemoryMarshal.AsBytes(p.parameter.data<float>().ToArray().AsSpan()).ToArray());

    public void Dispose()
    {
        TrainedClassLogits.Dispose();
        Model.Dispose();
        Directory.Delete(tempDir, recursive: true);
    }
}

[Collection(TrainingCollection.Name)]
public sealed class HeadTests(HeadFixture fixture) : IClassFixture<HeadFixture>
{
    [Fact]
    public void Training_LowersEvalLoss()
    {
        Assert.True(fixture.EvalLossAfter < fixture.EvalLossBefore, $"eval loss went from {fixture.EvalLossBefore} to {fixture.EvalLossAfter}");
    }

    [Fact]
    public void Training_ChangesExactlyHeadTensors()
    {
        var changed = fixture.AttachedBytes.Keys
            .Where(name => !fixture.AttachedBytes[name].AsSpan().SequenceEqual(fixture.TrainedBytes[name]))
            .Order();

        Assert.Equal(["score.layers.0.bias", "score.layers.0.weight"], changed);
    }

    [Fact]
    public void Attach_CountsHiddenTimesClassesPlusBias()
    {
        // 64 hidden × 4 classes + 4 biases.
        Assert.Equal(260, ParameterCount.Of(fixture.Model).Trainable);
    }

    [Fact]
    public void Reload_GivesTrainedClassLogitsExactly()
    {
        using var model = TrainingMaterial.LoadModel();
        AdapterFolder.Load(model, fixture.ArtifactDir);
        var head = HeadModel.Find(model)!;
        using var logits = HeadFixture.ClassLogits(model, new ClassifyObjective(head), fixture.Eval);

        Assert.True(logits.Equals(fixture.TrainedClassLogits));
    }

    [Fact]
    public void Labels_SortNumerically()
    {
        Assert.Equal(["-1", "0", "1", "2"], fixture.Head.Labels);
    }
}

public sealed class HeadPoolingTests
{
    // hidden [1, 3, 2] = [[1, 2], [3, 4], [5, 6]] with the last position padding.
    static Tensor Hidden() => tensor(new float[] { 1, 2, 3, 4, 5, 6 }).view(1, 3, 2);
    static Tensor Real() => tensor(new[] { true, true, false }).view(1, 3);

    [Theory]
    [InlineData(HeadPooling.Last, 3f, 4f)]
    [InlineData(HeadPooling.First, 1f, 2f)]
    [InlineData(HeadPooling.Mean, 2f, 3f)]
    public void Pool_UsesRealTokensOnly(HeadPooling pooling, float first, float second)
    {
        using var pooled = ClassificationHead.Pool(Hidden(), Real(), pooling);

        Assert.Equal(new[] { first, second }, pooled.data<float>().ToArray());
    }

    [Fact]
    public void Pool_LastSkipsLeftPadding()
    {
        using var real = tensor(new[] { false, true, true }).view(1, 3);
        using var pooled = ClassificationHead.Pool(Hidden(), real, HeadPooling.Last);

        Assert.Equal(new[] { 5f, 6f }, pooled.data<float>().ToArray());
    }
}

public sealed class ClassificationMetricsTests
{
    // truth 0 0 1 1 2, predicted 0 1 1 1 0: accuracy 3/5. F1 class 0: 2·1/(2+2) = 0.5; class 1: 2·2/(3+2) = 0.8;
    // class 2: 0. Macro-F1 (0.5 + 0.8 + 0) / 3 = 0.4333; majority class (0 or 1) 2/5.
    static readonly ClassificationMetrics Metrics =
        ClassificationMetrics.FromPredictions([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], classes: 3);

    [Fact]
    public void Accuracy_CountsMatches() => Assert.Equal(0.6, Metrics.Accuracy, 12);

    [Fact]
    public void MacroF1_AveragesClasses() => Assert.Equal(1.3 / 3, Metrics.MacroF1, 12);

    [Fact]
    public void Majority_IsLargestClassShare() => Assert.Equal(0.4, Metrics.MajorityAccuracy, 12);
}
