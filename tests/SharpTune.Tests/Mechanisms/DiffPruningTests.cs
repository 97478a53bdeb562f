using SharpTune.Data;
using SharpTune.Mechanisms.DiffPruning;
using SharpTune.Models.Llama;
using SharpTune.Tests.Training;
using SharpTune.Training;
using Xunit.Abstractions;

namespace SharpTune.Tests.Mechanisms;

public sealed class DiffPruningFixture : MechanismFixture
{
    public static readonly DiffPruningOptions Options = new() { Sparsity = 0.95, RampFraction = 0.5 };

    IReadOnlyList<(string Path, DiffLinear Layer)> layers = null!;

    public DiffPruningFixture() => Run();

    protected override SharpTune.Recipes.TrainingOptions Training => base.Training with { LearningRate = 3e-3 };

    protected override void Attach(LlamaForCausalLM model, IBatchSource train) => layers = DiffPruningModel.Attach(model, Options);

    protected override void Save(LlamaForCausalLM model, string dir) => DiffPruningModel.Save(model, Options, dir);

    protected override Action<int, int>? AfterStep => DiffPruningModel.PruningHook(layers, Options);

    public override bool IsTrained(string name) => name.EndsWith(".diff_weight");

    public override IEnumerable<string> ExpectedArtifactTensors => AttachedBytes.Keys.Where(IsTrained)
        .SelectMany(name => new[] { name + ".indices", name + ".values" });

    public IReadOnlyList<(string Path, DiffLinear Layer)> Layers => layers;
}

/// <summary>Diff pruning of all seven projections on stories260k to 5% nonzeros.</summary>
[Collection(TrainingCollection.Name)]
public sealed class DiffPruningTests(DiffPruningFixture fixture, ITestOutputHelper output)
    : MechanismContractTests<DiffPruningFixture>(fixture, output), IClassFixture<DiffPruningFixture>
{
    [Fact]
    public void ZeroDiff_GivesBaseLogitsExactly()
    {
        Assert.True(Fixture.UntrainedLogits.Equals(Fixture.BaseLogits));
    }

    [Fact]
    public void Training_KeepsEveryDiffWithinBudget()
    {
        var over = Fixture.Layers
            .Where(l => l.Layer.NonzeroCount() > DiffPruningModel.Budget(l.Layer.diff_weight.numel(), 1 - DiffPruningFixture.Options.Sparsity))
            .Select(l => l.Path)
            .ToList();

        Assert.Empty(over);
    }

    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(5, 0.95 * (1 - 0.125))]  // halfway through a 10-step ramp: 1 − (1 − 0.5)³ = 0.875
    [InlineData(10, 0.95)]
    [InlineData(20, 0.95)]
    public void Schedule_IsCubic(int step, double expected)
    {
        Assert.Equal(expected, DiffPruningModel.SparsityAt(DiffPruningFixture.Options, step, totalSteps: 20), 12);
    }
}
