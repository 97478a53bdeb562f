using SharpTune.Data;
using SharpTune.Mechanisms.Prefix;
using SharpTune.Models.Llama;
using SharpTune.Tests.Training;
using SharpTune.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpTune.Tests.Mechanisms;

public sealed class PrefixFixture : MechanismFixture
{
    public static readonly PrefixOptions Options = new() { NumVirtualTokens = 4, PrefixProjection = true, EncoderHiddenSize = 32 };

    PrefixEncoder encoder = null!;

    public PrefixFixture() => Run();

    protected override void Attach(LlamaForCausalLM model, IBatchSource train) => encoder = PrefixModel.Attach(model, Options, seed: 42);

    protected override void Save(LlamaForCausalLM model, string dir) => PrefixModel.Save(encoder, Options, dir);

    public override bool IsTrained(string name) => name.StartsWith("prefix_encoder.");

    // The reparameterisation MLP only exists in training; the artifact stores its output table.
    public override IEnumerable<string> ExpectedArtifactTensors => ["prefix_encoder.embedding"];
}

/// <summary>Prefix tuning with the reparameterisation MLP on stories260k.</summary>
[Collection(TrainingCollection.Name)]
public sealed class PrefixTests(PrefixFixture fixture, ITestOutputHelper output)
    : MechanismContractTests<PrefixFixture>(fixture, output), IClassFixture<PrefixFixture>
{
    [Fact]
    public void Attach_CountsEmbeddingAndMlp()
    {
        // embedding 4·64, linear 64→32 with bias, linear 32→320 with bias; 320 = 5 layers · 2 · 4 kv heads · head_dim 8.
        Assert.Equal(4 * 64 + (64 * 32 + 32) + (32 * 320 + 320), Fixture.Counts.Trainable);
    }

    [Fact]
    public void Prefix_ChangesLogitsAtStart()
    {
        // Prefix tuning promises no identity start: attention always gives the prefix some weight.
        using var difference = (Fixture.UntrainedLogits - Fixture.BaseLogits).abs().max();

        Assert.True(difference.item<float>() > 0);
    }

    [Fact]
    public void PrefixCache_MatchesFullForward()
    {
        // The last position's logits with a KV cache (prompt, then one token) equal those of one full forward,
        // so generation sees the prefix at every step exactly as training does.
        using var model = Fixture.Reload();
        model.eval();
        using var guard = no_grad();
        using var ids = tensor(new long[] { 1, 403, 407, 261, 378 }, dtype: ScalarType.Int64).unsqueeze(0);
        using var full = model.Forward(ids);
        using var cache = new KvCache(model.Config.NumHiddenLayers);
        using var first = model.Forward(ids.narrow(1, 0, 4), cache: cache);
        using var step = model.Forward(ids.narrow(1, 4, 1), cache: cache);
        using var difference = (step[0, 0] - full[0, 4]).abs().max();

        Assert.InRange(difference.item<float>(), 0, 1e-5);
    }

    [Fact]
    public void Detached_GivesBaseLogits()
    {
        using var model = Fixture.Reload();
        foreach (var layer in model.model.layers)
            layer.self_attn.Prefix = null;
        using var logits = LoraSftFixture.Logits(model);

        Assert.True(logits.Equals(Fixture.BaseLogits));
    }
}
