using SharpTune.Data;
using SharpTune.Mechanisms.BitFit;
using SharpTune.Models.Llama;
using SharpTune.Tests.Training;
using SharpTune.Training;
using Xunit.Abstractions;

namespace SharpTune.Tests.Mechanisms;

public sealed class BitFitFixture : MechanismFixture
{
    public BitFitAttachment Attachment { get; private set; } = null!;

    public BitFitFixture() => Run();

    protected override void Attach(LlamaForCausalLM model, IBatchSource train) => Attachment = BitFitModel.Attach(model, new BitFitOptions());

    protected override void Save(LlamaForCausalLM model, string dir) => BitFitModel.Save(model, new BitFitOptions(), dir);

    public override bool IsTrained(string name) => name.EndsWith("_proj.bias");
}

/// <summary>BitFit on stories260k, whose projections have no bias: BitFit adds zero biases and trains only those.</summary>
[Collection(TrainingCollection.Name)]
public sealed class BitFitTests(BitFitFixture fixture, ITestOutputHelper output)
    : MechanismContractTests<BitFitFixture>(fixture, output), IClassFixture<BitFitFixture>
{
    [Fact]
    public void Attach_AddsOneBiasPerProjection()
    {
        // 5 layers × 7 projections, none of which has a bias in the checkpoint.
        Assert.Equal(35, Fixture.Attachment.AddedBiases.Count);
    }

    [Fact]
    public void Attach_TrainsOutputWidthPerProjection()
    {
        // Per layer: q 64 + k 32 + v 32 + o 64 + gate 172 + up 172 + down 64 = 600 bias entries.
        Assert.Equal(5 * 600, Fixture.Counts.Trainable);
    }

    [Fact]
    public void ZeroBiases_GiveBaseLogitsExactly()
    {
        Assert.True(Fixture.UntrainedLogits.Equals(Fixture.BaseLogits));
    }
}
