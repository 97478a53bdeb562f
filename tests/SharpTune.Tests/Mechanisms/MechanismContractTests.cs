using Xunit.Abstractions;

namespace SharpTune.Tests.Mechanisms;

/// <summary>
/// What every mechanism promises on a real model: training lowers the eval loss, frozen weights stay bitwise
/// unchanged, exactly the intended tensors change, and the saved artifact reloads to identical logits and tokens.
/// </summary>
public abstract class MechanismContractTests<TFixture>(TFixture fixture, ITestOutputHelper output) where TFixture : MechanismFixture
{
    protected TFixture Fixture => fixture;

    protected ITestOutputHelper Output => output;

    [Fact]
    public void Training_LowersEvalLoss()
    {
        output.WriteLine($"eval loss before {fixture.EvalLossBefore:F4}, after {fixture.EvalLossAfter:F4}; {fixture.Counts}");

        Assert.True(fixture.EvalLossAfter < fixture.EvalLossBefore,
            $"eval loss went from {fixture.EvalLossBefore} to {fixture.EvalLossAfter}");
    }

    [Fact]
    public void Training_KeepsFrozenBaseWeightsBitwise()
    {
        var trainedBase = fixture.TrainedBytes.ToDictionary(p => MechanismFixture.BaseName(p.Key), p => p.Value);

        var changed = fixture.BaseBytes.Keys
            .Where(name => !fixture.IsTrained(name))
            .Where(name => !fixture.BaseBytes[name].AsSpan().SequenceEqual(trainedBase[name]))
            .ToList();
        Assert.Empty(changed);
    }

    [Fact]
    public void Training_ChangesExactlyIntendedTensors()
    {
        var intended = fixture.AttachedBytes.Keys.Where(fixture.IsTrained).Order().ToList();
        var changed = fixture.AttachedBytes.Keys
            .Where(name => !fixture.AttachedBytes[name].AsSpan().SequenceEqual(fixture.TrainedBytes[name]))
            .Order()
            .ToList();

        Assert.NotEmpty(intended);
        Assert.Equal(intended, changed);
    }

    [Fact]
    public void Attach_MakesOnlyIntendedTensorsTrainable()
    {
        var trainable = fixture.Model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).Order();
        var intended = fixture.AttachedBytes.Keys.Where(fixture.IsTrained).Order();

        Assert.Equal(intended, trainable);
    }

    [Fact]
    public void Artifact_HoldsOnlyTrainedTensors()
    {
        Assert.Equal(fixture.ExpectedArtifactTensors.Order(), fixture.ArtifactTensors().Order());
    }

    [Fact]
    public void Reload_GivesTrainedLogitsExactly()
    {
        using var model = fixture.Reload();
        using var logits = LoraSftFixture.Logits(model);

        Assert.True(logits.Equals(fixture.TrainedLogits));
    }

    [Fact]
    public void Reload_GeneratesSameTokens()
    {
        using var model = fixture.Reload();

        Assert.Equal(fixture.GeneratedTokens, MechanismFixture.Generate(model));
    }
}
