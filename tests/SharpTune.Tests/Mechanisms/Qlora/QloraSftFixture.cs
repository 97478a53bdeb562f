using System.Runtime.InteropServices;
using SharpTune.Data;
using SharpTune.Mechanisms.Lora;
using SharpTune.Mechanisms.Qlora;
using SharpTune.Models;
using SharpTune.Models.Llama;
using SharpTune.Precision;
using SharpTune.Tokenization;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests.Mechanisms.Qlora;

/// <summary>
/// One short QLoRA SFT run of stories260k (NF4 base, fp32 LoRA) on GSM8K pairs, shared by a test class: the 4-bit
/// buffers before and after training and the eval loss before and after.
/// </summary>
public sealed class QloraSftFixture : IDisposable
{
    readonly string tempDir = TestPaths.NewTempDir("sharptune-qlora");

    public LlamaForCausalLM Model { get; } = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);

    /// <summary>Raw bytes of every buffer of every 4-bit layer right after quantization, by buffer name.</summary>
    public IReadOnlyDictionary<string, byte[]> QuantizedBytes { get; }

    /// <summary>The same buffers after training.</summary>
    public IReadOnlyDictionary<string, byte[]> TrainedQuantizedBytes { get; }

    public int QuantizedLayerCount { get; }

    public double EvalLossBefore { get; }
    public double EvalLossAfter { get; }

    public QloraSftFixture()
    {
        QuantizedLayerCount = QloraModel.Attach(Model, LoraSftFixture.Options, FourBitType.Nf4, LoraSftFixture.Training.Seed).Count;
        QuantizedBytes = Snapshot(Model);

        var (train, eval) = LoraSftFixture.Gsm8kSplits();

        EvalLossBefore = BatchForward.MeanLoss(Model, eval, LoraSftFixture.Training.BatchSize).Loss;
        new Trainer(Model, LoraSftFixture.Training, train, eval: null, Path.Combine(tempDir, "run")).Train();
        EvalLossAfter = BatchForward.MeanLoss(Model, eval, LoraSftFixture.Training.BatchSize).Loss;
        TrainedQuantizedBytes = Snapshot(Model);
    }

    public string TempDir => tempDir;

    static Dictionary<string, byte[]> Snapshot(LlamaForCausalLM model)
    {
        var bytes = new Dictionary<string, byte[]>();
        foreach (var (path, layer) in QloraModel.QuantizedLayers(model))
        {
            var weight = (QuantizedTensor)layer.Weight;
            bytes[$"{path}.weight_packed"] = weight.Packed.data<byte>().ToArray();
            bytes[$"{path}.absmax_codes"] = MemoryMarshal.AsBytes(weight.AbsmaxCodes!.data<sbyte>().ToArray().AsSpan()).ToArray();
            bytes[$"{path}.absmax_scales"] = MemoryMarshal.AsBytes(weight.AbsmaxScales!.data<float>().ToArray().AsSpan()).ToArray();
        }
        return bytes;
    }

    public void Dispose()
    {
        Model.Dispose();
        Directory.Delete(tempDir, recursive: true);
    }
}
