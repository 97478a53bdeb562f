using SharpTune.Data;
using SharpTune.Mechanisms.SubTuning;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using SharpTune.Tests.Training;
using SharpTune.Training;
using Xunit.Abstractions;

namespace SharpTune.Tests.Mechanisms;

public sealed class SubTuningFixture : MechanismFixture
{
    public IReadOnlyList<LayerScore> Scores { get; private set; } = null!;
    public IReadOnlyList<int> Chosen { get; private set; } = null!;

    public SubTuningFixture() => Run();

    protected override SharpTune.Recipes.TrainingOptions Training => base.Training with { LearningRate = 3e-3 };

    protected override void Attach(LlamaForCausalLM model, IBatchSource train)
    {
        using (var calibration = train.Collate(Enumerable.Range(0, 8).ToList()))
            Scores = SubTuningModel.Score(model, calibration, CausalLmObjective.Instance);
        Chosen = SubTuningModel.Choose(Scores, topK: 2);
        SubTuningModel.Unfreeze(model, Chosen);
    }

    protected override void Save(LlamaForCausalLM model, string dir) => SubTuningModel.Save(model, Chosen, Scores, dir);

    public override bool IsTrained(string name) => Chosen.Any(layer => name.StartsWith($"model.layers.{layer}."));
}

/// <summary>SubTuning of the two layers with the largest gradient norm on stories260k.</summary>
[Collection(TrainingCollection.Name)]
public sealed class SubTuningTests(SubTuningFixture fixture, ITestOutputHelper output)
    : MechanismContractTests<SubTuningFixture>(fixture, output), IClassFixture<SubTuningFixture>
{
    [Fact]
    public void Choose_TakesLargestScores()
    {
        var expected = Fixture.Scores.OrderByDescending(s => s.GradientNorm).Take(2).Select(s => s.Layer).Order();
        Output.WriteLine(string.Join(", ", Fixture.Scores.Select(s => $"layer {s.Layer}: {s.GradientNorm:G4}")));

        Assert.Equal(expected, Fixture.Chosen);
    }

    [Fact]
    public void Choose_ScoresEveryLayer()
    {
        Assert.Equal(5, Fixture.Scores.Count);
    }

    [Fact]
    public void Attach_TrainsTwoWholeLayers()
    {
        // One layer: q 64·64, k 32·64, v 32·64, o 64·64, gate/up 172·64 each, down 64·172, two norms of 64.
        long perLayer = 64 * 64 * 2 + 32 * 64 * 2 + 172 * 64 * 3 + 2 * 64;
        Assert.Equal(2 * perLayer, Fixture.Counts.Trainable);
    }
}
