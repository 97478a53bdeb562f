using SharpTune.Data;
using SharpTune.Mechanisms.Lora;
using SharpTune.Mechanisms.Qlora;
using SharpTune.Models;
using SharpTune.Precision;
using SharpTune.Tokenization;
using SharpTune.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpTune.Tests.Mechanisms.Qlora;

/// <summary>LoRA on an int8 base (<c>precision: int8</c>): stories260k, a short SFT run on GSM8K pairs.</summary>
[Collection(SharpTune.Tests.Training.TrainingCollection.Name)]
public sealed class Int8LoraTests(ITestOutputHelper output)
{
    [Fact]
    public void Training_LowersEvalLossAndKeepsInt8BaseBitwise()
    {
        var tempDir = TestPaths.NewTempDir("sharptune-int8");
        try
        {
            using var model = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
            int quantized = QloraModel.Quantize(model, BaseQuantization.Int8.Quantize).Count;
            LoraModel.Attach(model, LoraSftFixture.Options, LoraSftFixture.Training.Seed);
            var before = Snapshot(model);

            var (train, eval) = LoraSftFixture.Gsm8kSplits();
            double lossBefore = BatchForward.MeanLoss(model, eval, LoraSftFixture.Training.BatchSize).Loss;
            new Trainer(model, LoraSftFixture.Training with { MaxSteps = 20 }, train, eval: null, Path.Combine(tempDir, "run")).Train();
            double lossAfter = BatchForward.MeanLoss(model, eval, LoraSftFixture.Training.BatchSize).Loss;
            output.WriteLine($"{quantized} int8 projections; eval loss {lossBefore:F4} -> {lossAfter:F4}");

            // stories260k has 5 layers with 7 projections each.
            Assert.Equal(35, quantized);
            Assert.True(lossAfter < lossBefore - 0.05, $"eval loss went from {lossBefore:F4} to {lossAfter:F4}");
            Assert.Equal(before, Snapshot(model));
        }
        finally
        {
            Directory.Delete(tempDir, recursive: true);
        }
    }

    /// <summary>Every stored tensor of every quantized layer, as bytes by module path and buffer name.</summary>
    static Dictionary<string, string> Snapshot(nn.Module model) =>
        QloraModel.QuantizedLayers(model)
            .SelectMany(l => l.Layer.Weight.StoredTensors.Select(t => (Key: $"{l.Path}.{t.Name}", t.Tensor)))
            .ToDictionary(t => t.Key, t => Convert.ToBase64String(t.Tensor.bytes.ToArray()));
}
