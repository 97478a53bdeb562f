using SharpTune.Data;
using SharpTune.Mechanisms.Lora;
using SharpTune.Models.Llama;
using SharpTune.Tests.Training;
using SharpTune.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpTune.Tests.Mechanisms;

public sealed class DoraFixture : MechanismFixture
{
    public static readonly LoraOptions Options = new() { R = 4, Alpha = 8, UseDora = true, TargetModules = ["q_proj", "v_proj", "down_proj"] };

    public DoraFixture() => Run();

    protected override void Attach(LlamaForCausalLM model, IBatchSource train) => LoraModel.Attach(model, Options, seed: 42);

    protected override void Save(LlamaForCausalLM model, string dir) => PeftAdapter.Save(model, Options, dir, TestPaths.Stories260k);

    public override bool IsTrained(string name) => name.Contains(".lora_A.") || name.Contains(".lora_B.") || name.EndsWith(".lora_magnitude_vector");

    public override IEnumerable<string> ExpectedArtifactTensors => AttachedBytes.Keys.Where(IsTrained)
        .Select(name => "base_model.model." + (name.EndsWith("lora_magnitude_vector") ? name + ".weight" : name));

    public override IEnumerable<string> ArtifactTensors()
    {
        using var reader = SharpTune.Models.Safetensors.SafetensorsReader.Open(Path.Combine(ArtifactDir, PeftAdapter.WeightsFile));
        return reader.Names.ToList();
    }
}

/// <summary>DoRA on stories260k: magnitude times the normalised adapted weight, saved in PEFT's layout.</summary>
[Collection(TrainingCollection.Name)]
public sealed class DoraTests(DoraFixture fixture, ITestOutputHelper output)
    : MechanismContractTests<DoraFixture>(fixture, output), IClassFixture<DoraFixture>
{
    [Fact]
    public void UntrainedDora_GivesBaseLogitsExactly()
    {
        Assert.True(Fixture.UntrainedLogits.Equals(Fixture.BaseLogits));
    }

    [Fact]
    public void Magnitude_StartsAtRowNorms()
    {
        // W = [[3, 4], [0, 2]] has row norms 5 and 2.
        using var linear = nn.Linear(2, 2, hasBias: false);
        using (no_grad())
            linear.weight!.copy_(tensor(new float[] { 3, 4, 0, 2 }).view(2, 2));
        using var dora = new LoraLinear(linear, new LoraOptions { R = 1, UseDora = true });

        Assert.Equal(new float[] { 5, 2 }, dora.lora_magnitude_vector!.data<float>().ToArray());
    }

    [Fact]
    public void Forward_MatchesMagnitudeTimesDirection()
    {
        // Hand case: W = I (2×2), B A = [[0, 1], [0, 0]] with scale 1, so W + ΔW = [[1, 1], [0, 1]] with row norms
        // √2 and 1. With m = [2, 3] the weight is [[2/√2, 2/√2], [0, 3]]; for x = [1, 2] the output is [3√2, 6].
        using var linear = nn.Linear(2, 2, hasBias: false);
        using (no_grad())
            linear.weight!.copy_(eye(2));
        using var dora = new LoraLinear(linear, new LoraOptions { R = 1, Alpha = 1, UseDora = true });
        using (no_grad())
        {
            dora.lora_A.weight!.copy_(tensor(new float[] { 0, 1 }).view(1, 2));
            dora.lora_B.weight!.copy_(tensor(new float[] { 1, 0 }).view(2, 1));
            dora.lora_magnitude_vector!.copy_(tensor(new float[] { 2, 3 }));
        }
        dora.eval();
        using var output = dora.forward(tensor(new float[] { 1, 2 }).view(1, 2));
        var values = output.data<float>().ToArray();

        Assert.Equal(3 * Math.Sqrt(2), values[0], 5);
        Assert.Equal(6.0, values[1], 5);
    }

    [Fact]
    public void Merge_MatchesDoraLogits()
    {
        using var model = Fixture.Reload();
        LoraModel.Merge(model);
        using var logits = LoraSftFixture.Logits(model);
        using var difference = (logits - Fixture.TrainedLogits).abs().max();

        Assert.InRange(difference.item<float>(), 0, 1e-4);
    }
}
