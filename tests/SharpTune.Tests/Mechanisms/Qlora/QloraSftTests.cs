using SharpTune.Generation;
using SharpTune.Mechanisms.Lora;
using SharpTune.Mechanisms.Qlora;
using SharpTune.Models;
using SharpTune.Models.Llama;
using SharpTune.Precision;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpTune.Tests.Mechanisms.Qlora;

/// <summary>
/// QLoRA on a real model: training lowers the eval loss and leaves the 4-bit base untouched, and merging writes a
/// plain model whose greedy output equals the unmerged model's.
/// </summary>
// NOTE: once, in a full parallel run, the QLoRA fixture failed inside libtorch's Scalar::toFloat during a
// tensor-plus-float add while dequantizing; it passed alone and in every other run. Running these tests apart
// from the other collections avoids it until the cause (suspected: a Scalar freed while in use) is found.
[Collection(SharpTune.Tests.Training.TrainingCollection.Name)]
public sealed class QloraSftTests(QloraSftFixture fixture, ITestOutputHelper output) : IClassFixture<QloraSftFixture>
{
    /// <summary>"&lt;s&gt; Once upon a time" in the stories260k vocabulary.</summary>
    static readonly long[] Prompt = [1, 403, 407, 261, 378];

    static readonly GenerationOptions Greedy = new() { MaxNewTokens = 40 };

    /// <summary>stories260k has 5 layers with 7 projections each.</summary>
    const int ProjectionCount = 5 * 7;

    [Fact]
    public void Attach_QuantizesEveryProjection()
    {
        Assert.Equal(ProjectionCount, QloraModel.QuantizedLayers(fixture.Model).Count());
    }

    [Fact]
    public void Training_LowersEvalLoss()
    {
        output.WriteLine($"eval loss before {fixture.EvalLossBefore:F4}, after {fixture.EvalLossAfter:F4}");

        Assert.True(fixture.EvalLossAfter < fixture.EvalLossBefore,
            $"eval loss went from {fixture.EvalLossBefore} to {fixture.EvalLossAfter}");
    }

    [Fact]
    public void Training_KeepsQuantizedBaseBitwise()
    {
        Assert.Equal(fixture.QuantizedBytes.Keys.Order(), fixture.TrainedQuantizedBytes.Keys.Order());
        var changed = fixture.QuantizedBytes.Keys
            .Where(name => !fixture.QuantizedBytes[name].AsSpan().SequenceEqual(fixture.TrainedQuantizedBytes[name])).ToList();
        Assert.Empty(changed);
    }

    [Fact]
    public void Merge_SavedModelMatchesGreedyOutput()
    {
        var unmerged = TextGenerator.Generate(fixture.Model, Prompt, Greedy);

        // Merge a copy: the fixture's model stays unmerged for the other tests.
        using var copy = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
        QloraModel.Attach(copy, LoraSftFixture.Options, FourBitType.Nf4, LoraSftFixture.Training.Seed);
        var trained = LoraModel.Layers(fixture.Model).ToDictionary(l => l.Path, l => l.Layer);
        using (no_grad())
        {
            foreach (var (path, layer) in LoraModel.Layers(copy))
            {
                layer.lora_A.weight!.copy_(trained[path].lora_A.weight!);
                layer.lora_B.weight!.copy_(trained[path].lora_B.weight!);
            }
        }
        LoraModel.Merge(copy);
        var mergedDir = Path.Combine(fixture.TempDir, "merged");
        PretrainedModel.Save(copy, mergedDir, TestPaths.Stories260k);
        using var reloaded = PretrainedModel.Load(mergedDir, ScalarType.Float32, CPU);
        var merged = TextGenerator.Generate(reloaded, Prompt, Greedy);
        output.WriteLine($"greedy ids: {string.Join(' ', unmerged)}");

        Assert.Equal(unmerged, merged);
    }

    [Fact]
    public void Merge_LeavesNoQuantizedLayer()
    {
        using var model = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
        QloraModel.Attach(model, LoraSftFixture.Options, FourBitType.Nf4, seed: 1);
        LoraModel.Merge(model);

        Assert.Empty(QloraModel.QuantizedLayers(model));
        Assert.All(model.model.layers[0].self_attn.ProjectionNames, name =>
            Assert.IsType<Linear>(model.model.layers[0].self_attn.GetProjection(name)));
    }
}
