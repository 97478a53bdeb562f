using SharpTune.Data;
using SharpTune.Mechanisms.Lora;
using SharpTune.Mechanisms.Reft;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using SharpTune.Tests.Mechanisms;
using SharpTune.Tests.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpTune.Tests.Models;

/// <summary>
/// Gradient checkpointing per decoder layer with a frozen base: the adapter gradients equal those of the plain
/// backward pass, for LoRA (parameters inside the layers) and LoReFT (parameters between the layers).
/// </summary>
public sealed class GradientCheckpointingTests(ITestOutputHelper output)
{
    const double Tolerance = 1e-5;

    static Batch SftBatch()
    {
        using var tokenizer = TrainingMaterial.LoadTokenizer();
        var examples = TrainingMaterial.ShortGsm8kExamples(4, maxTokens: 300);
        return Collator.For(tokenizer).Collate(examples);
    }

    /// <summary>Returns the gradient of every trainable parameter after one backward pass, by name.</summary>
    static Dictionary<string, float[]> Gradients(LlamaForCausalLM model, Batch batch, bool checkpointing)
    {
        model.model.GradientCheckpointing = checkpointing;
        model.train();
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        foreach (var (_, parameter) in trainable)
            parameter.grad = null;
        using (var scope = NewDisposeScope())
            CausalLmObjective.Instance.LossSum(model, batch).backward();
        return trainable.ToDictionary(p => p.name, p => p.parameter.grad!.data<float>().ToArray());
    }

    void AssertEqualAndNonZero(Dictionary<string, float[]> plain, Dictionary<string, float[]> checkpointed)
    {
        var (name, difference) = TrainingMaterial.MaxDifference(plain, checkpointed);
        var zero = plain.Where(p => p.Value.All(v => v == 0)).Select(p => p.Key).ToList();
        output.WriteLine($"{plain.Count} gradients; max difference {difference:E2} at {name}");

        Assert.Equal(plain.Keys.Order(), checkpointed.Keys.Order());
        Assert.True(difference <= Tolerance, $"gradient of {name} differs by {difference}");
        Assert.Empty(zero);
    }

    [Fact]
    public void Lora_GradientsMatchPlainBackward()
    {
        using var model = TrainingMaterial.LoadModel();
        LoraModel.Attach(model, LoraSftFixture.Options, seed: 5);
        // B starts at zero, which would make every gradient of A zero; random B makes both non-zero.
        using (no_grad())
        {
            foreach (var (_, layer) in LoraModel.Layers(model))
                layer.lora_B.weight!.normal_(0, 0.1);
        }
        using var batch = SftBatch();

        AssertEqualAndNonZero(Gradients(model, batch, checkpointing: false), Gradients(model, batch, checkpointing: true));
    }

    [Fact]
    public void Loreft_GradientsMatchPlainBackward()
    {
        using var model = TrainingMaterial.LoadModel();
        ReftAttach.Attach(model, new ReftOptions { Method = ReftMethod.Loreft, R = 4 }, seed: 5);
        using var batch = SftBatch();

        AssertEqualAndNonZero(Gradients(model, batch, checkpointing: false), Gradients(model, batch, checkpointing: true));
    }
}
