using SharpTune.Mechanisms;
using SharpTune.Generation;
using SharpTune.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpTune.Tests.Mechanisms.Reft;

/// <summary>The facts every ReFT method must satisfy after one short SFT run; one subclass per method.</summary>
public abstract class ReftMechanismTests(ReftSftFixture fixture, ITestOutputHelper output)
{
    protected ReftSftFixture Fixture => fixture;

    protected ITestOutputHelper Output => output;

    static bool IsIntervention(string name) => name.StartsWith("model.reft.", StringComparison.Ordinal);

    [Fact]
    public void EvalLossDrops()
    {
        output.WriteLine($"eval loss {fixture.EvalLossBefore:F4} -> {fixture.EvalLossAfter:F4}");

        Assert.True(fixture.EvalLossAfter < fixture.EvalLossBefore,
            $"eval loss {fixture.EvalLossBefore:F4} -> {fixture.EvalLossAfter:F4}");
    }

    [Fact]
    public void FrozenWeightsBitwiseUnchanged()
    {
        foreach (var (name, bytes) in fixture.BaseBytes)
            Assert.True(bytes.AsSpan().SequenceEqual(fixture.TrainedBytes[name]), $"{name} changed");
    }

    [Fact]
    public void OnlyInterventionsChanged()
    {
        var changed = fixture.TrainedBytes.Where(p => !p.Value.AsSpan().SequenceEqual(fixture.AttachedBytes[p.Key]))
            .Select(p => p.Key).Order().ToList();
        var interventions = fixture.TrainedBytes.Keys.Where(IsIntervention).Order().ToList();

        Assert.Equal(interventions, changed);
    }

    [Fact]
    public void InterventionsAreTheOnlyNewTensors()
    {
        var added = fixture.AttachedBytes.Keys.Except(fixture.BaseBytes.Keys).Order().ToList();

        Assert.All(added, name => Assert.True(IsIntervention(name), name));
    }

    [Fact]
    public void ReloadGivesSameLogits()
    {
        using var model = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
        AdapterFolder.Load(model, fixture.ArtifactDir);
        using var logits = ReftSftFixture.Logits(model);

        double difference = (logits - fixture.TrainedLogits).abs().max().item<float>();

        Assert.Equal(0.0, difference);
    }

    [Fact]
    public void ReloadGeneratesSameTokens()
    {
        using var model = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
        AdapterFolder.Load(model, fixture.ArtifactDir);

        var tokens = TextGenerator.Generate(model, fixture.EvalPrompt, ReftSftFixture.Greedy);

        Assert.Equal(fixture.GeneratedAfterTraining, tokens);
    }

    [Fact]
    public void TrainingChangesLogits()
    {
        Assert.False(fixture.TrainedLogits.allclose(fixture.BaseLogits, rtol: 0, atol: 1e-4));
    }
}

/// <summary>Methods whose untrained intervention is the identity.</summary>
public abstract class IdentityStartReftTests(ReftSftFixture fixture, ITestOutputHelper output) : ReftMechanismTests(fixture, output)
{
    [Fact]
    public void UntrainedLogitsEqualBase()
    {
        double difference = (Fixture.UntrainedLogits - Fixture.BaseLogits).abs().max().item<float>();

        Assert.Equal(0.0, difference);
    }
}

public sealed class LoreftTests(LoreftFixture fixture, ITestOutputHelper output)
    : IdentityStartReftTests(fixture, output), IClassFixture<LoreftFixture>
{
    [Fact]
    public void RotationStaysOrthonormal()
    {
        foreach (var (layer, intervention) in Fixture.Reft.ByLayer)
        {
            using var rotation = ((SharpTune.Mechanisms.Reft.LoreftIntervention)intervention).rotate_layer.Weight();  // [r, hidden]
            using var gram = matmul(rotation, rotation.t());                                                       // [r, r]
            using var identity = eye(rotation.shape[0]);
            double error = (gram - identity).abs().max().item<float>();
            Output.WriteLine($"layer {layer}: max |R Rᵀ − I| = {error:E2}");

            Assert.True(error < 1e-5, $"layer {layer}: max |R Rᵀ − I| = {error:E2}");
        }
    }
}

public sealed class DireftTests(DireftFixture fixture, ITestOutputHelper output)
    : IdentityStartReftTests(fixture, output), IClassFixture<DireftFixture>;

public sealed class DiiTests(DiiFixture fixture, ITestOutputHelper output)
    : ReftMechanismTests(fixture, output), IClassFixture<DiiFixture>
{
    [Fact]
    public void SameSourceLeavesLogits()
    {
        using var model = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
        using var baseLogits = ReftSftFixture.Logits(model);
        var options = new SharpTune.Mechanisms.Reft.ReftOptions
        {
            Method = SharpTune.Mechanisms.Reft.ReftMethod.Dii,
            R = 4,
            SourceIds = ReftSftFixture.PromptIds,
        };
        SharpTune.Mechanisms.Reft.ReftAttach.Attach(model, options, seed: 3);
        using var logits = ReftSftFixture.Logits(model);
        double difference = (logits - baseLogits).abs().max().item<float>();

        Assert.Equal(0.0, difference);
    }

    [Fact]
    public void RotationStaysOrthonormal()
    {
        foreach (var (layer, intervention) in Fixture.Reft.ByLayer)
        {
            using var rotation = ((SharpTune.Mechanisms.Reft.DiiIntervention)intervention).rotate_layer.Weight();   // [r, hidden]
            using var gram = matmul(rotation, rotation.t());                                                     // [r, r]
            using var identity = eye(rotation.shape[0]);
            double error = (gram - identity).abs().max().item<float>();

            Assert.True(error < 1e-5, $"layer {layer}: max |R Rᵀ − I| = {error:E2}");
        }
    }
}

public sealed class BrepTests(BrepFixture fixture, ITestOutputHelper output)
    : IdentityStartReftTests(fixture, output), IClassFixture<BrepFixture>
{
    [Fact]
    public void PenaltyWeightRespondsToBiasNorm()
    {
        var objective = (SharpTune.Mechanisms.Reft.BrepObjective)Fixture.Objective;
        Output.WriteLine($"bias norm {objective.LastBiasNorm:F4}, target {BrepFixture.BiasTarget}, weight {objective.Controller.Weight:F4}");

        Assert.Equal(objective.LastBiasNorm > BrepFixture.BiasTarget, objective.Controller.Weight > 0);
    }
}
