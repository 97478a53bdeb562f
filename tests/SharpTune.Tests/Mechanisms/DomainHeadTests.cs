using System.Runtime.InteropServices;
using SharpTune.Data;
using SharpTune.Mechanisms.Heads;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using SharpTune.Tests.Training;
using SharpTune.Training;
using Xunit.Abstractions;
using TrainingOptions = SharpTune.Recipes.TrainingOptions;

namespace SharpTune.Tests.Mechanisms;

/// <summary>
/// Each head kind trained on frozen stories260k as a domain classifier (<see cref="DomainClassificationData"/>,
/// 80 texts per source, 30% held out with the eval split's seed 42) and scored on the held-out rows. Mean pooling
/// of the final hidden state, learning rate 1e-2 and 100 steps were chosen on a validation split of the training rows.
/// </summary>
public sealed class DomainHeadFixture : IDisposable
{
    readonly string tempDir = TestPaths.NewTempDir("sharptune-domain-head");

    public Dictionary<HeadKind, ClassificationMetrics> Metrics { get; } = [];
    public Dictionary<HeadKind, string[]> ChangedBackboneTensors { get; } = [];

    public DomainHeadFixture()
    {
        var data = Path.Combine(tempDir, "domains.jsonl");
        DomainClassificationData.Write(data, perSource: 80);
        using var tokenizer = TrainingMaterial.LoadTokenizer();
        var labels = ClassificationExamples.LabelSet(data, "label");
        var examples = ClassificationExamples.Build(data, tokenizer, 64, "text", "label", labels).Examples;
        var (trainRows, evalRows) = EvalSplit.Split(examples, 0.3, seed: 42);
        var collator = Collator.For(tokenizer);
        var train = new ExampleBatchSource(trainRows, collator);
        var eval = new ExampleBatchSource(evalRows, collator);

        foreach (var kind in Enum.GetValues<HeadKind>())
        {
            using var model = TrainingMaterial.LoadModel();
            var before = Snapshot(model);
            var head = HeadModel.Attach(model, new HeadOptions { Kind = kind, Pooling = HeadPooling.Mean }, labels, seed: 42);
            var objective = new ClassifyObjective(head);
            var training = new TrainingOptions { MaxSteps = 100, BatchSize = 16, LearningRate = 1e-2, Seed = 42 };
            new Trainer(model, training, train, null, Path.Combine(tempDir, kind.ToString()), objective: objective).Train();
            Metrics[kind] = ClassificationMetrics.Evaluate(model, objective, eval, labels.Count, batchSize: 32);
            var after = Snapshot(model);
            ChangedBackboneTensors[kind] = before.Keys.Where(name => !before[name].AsSpan().SequenceEqual(after[name])).ToArray();
        }
    }

    static Dictionary<string, byte[]> Snapshot(LlamaForCausalLM model) =>
        model.named_parameters().Where(p => !p.name.StartsWith(HeadModel.ModuleName + ".", StringComparison.Ordinal))
            .ToDictionary(p => p.name, p => MemoryMarshal.AsBytes(p.parameter.data<float>().ToArray().AsSpan()).ToArray());

    public void Dispose() => Directory.Delete(tempDir, recursive: true);
}

[Collection(TrainingCollection.Name)]
public sealed class DomainHeadTests(DomainHeadFixture fixture, ITestOutputHelper output) : IClassFixture<DomainHeadFixture>
{
    [Theory]
    [InlineData(HeadKind.LinearProbe)]
    [InlineData(HeadKind.MlpHead)]
    [InlineData(HeadKind.ProjectionHead)]
    public void Head_BeatsMajorityClassOnHeldOutRows(HeadKind kind)
    {
        var metrics = fixture.Metrics[kind];
        output.WriteLine($"{kind}: accuracy {metrics.Accuracy:0.000}, macro-F1 {metrics.MacroF1:0.000}, majority class {metrics.MajorityAccuracy:0.000}");

        Assert.True(metrics.Accuracy > metrics.MajorityAccuracy,
            $"{kind}: accuracy {metrics.Accuracy:0.000}, majority class {metrics.MajorityAccuracy:0.000}, macro-F1 {metrics.MacroF1:0.000}");
    }

    [Theory]
    [InlineData(HeadKind.LinearProbe)]
    [InlineData(HeadKind.MlpHead)]
    [InlineData(HeadKind.ProjectionHead)]
    public void Training_LeavesBackboneBitwiseUnchanged(HeadKind kind)
    {
        Assert.Empty(fixture.ChangedBackboneTensors[kind]);
    }

    [Fact]
    public void HeldOut_Has96MixedRows()
    {
        // 96 of the 320 rows are held out. With no domain above half of them, the majority rate is at most 0.5.
        Assert.Equal(96, fixture.Metrics[HeadKind.LinearProbe].Examples);
        Assert.InRange(fixture.Metrics[HeadKind.LinearProbe].MajorityAccuracy, 0.25, 0.5);
    }
}
