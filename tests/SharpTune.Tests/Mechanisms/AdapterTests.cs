using SharpTune.Data;
using SharpTune.Mechanisms.Adapters;
using SharpTune.Models.Llama;
using SharpTune.Tests.Training;
using SharpTune.Training;
using Xunit.Abstractions;

namespace SharpTune.Tests.Mechanisms;

public sealed class AdapterFixture : MechanismFixture
{
    public static readonly AdapterOptions Options = new() { BottleneckSize = 8 };

    public AdapterFixture() => Run();

    protected override void Attach(LlamaForCausalLM model, IBatchSource train) => AdapterModel.Attach(model, Options, seed: 42);

    protected override void Save(LlamaForCausalLM model, string dir) => AdapterModel.Save(model, Options, dir);

    public override bool IsTrained(string name) => name.Contains(".adapter_down.") || name.Contains(".adapter_up.");
}

/// <summary>Bottleneck adapters after attention and MLP on stories260k.</summary>
[Collection(TrainingCollection.Name)]
public sealed class AdapterTests(AdapterFixture fixture, ITestOutputHelper output)
    : MechanismContractTests<AdapterFixture>(fixture, output), IClassFixture<AdapterFixture>
{
    [Fact]
    public void Attach_CountsTwoAdaptersPerLayer()
    {
        // Per adapter: down 64·8 + 8 and up 8·64 + 64 = 1096; two per layer, 5 layers.
        Assert.Equal(5 * 2 * 1096, Fixture.Counts.Trainable);
    }

    [Fact]
    public void UntrainedAdapter_GivesBaseLogitsExactly()
    {
        Assert.True(Fixture.UntrainedLogits.Equals(Fixture.BaseLogits));
    }
}
