using SharpTune.Mechanisms.Lora;
using SharpTune.Models;
using SharpTune.Precision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Qlora;

/// <summary>
/// QLoRA (Dettmers et al., 2023): every decoder projection is stored in 4 bits and frozen, and LoRA adapters in the
/// compute dtype train on top. Embeddings, norms and the output head stay in the compute dtype, as in QLoRA.
/// </summary>
public static class QloraModel
{
    /// <summary>Quantizes every linear projection of every <see cref="ProjectionHost"/>; returns their module paths.</summary>
    /// <remarks>Run this after the model is on its device: the quantized tensors do not follow a later <c>to(device)</c>.</remarks>
    public static IReadOnlyList<string> Quantize(nn.Module model, FourBitType type, int blockSize = BlockQuantizer.DefaultBlockSize,
        bool doubleQuantize = true) =>
        Quantize(model, weight => BlockQuantizer.Quantize(weight, type, blockSize, doubleQuantize));

    /// <summary>Stores every linear projection of every <see cref="ProjectionHost"/> as <paramref name="quantize"/> makes it.</summary>
    public static IReadOnlyList<string> Quantize(nn.Module model, Func<Tensor, IQuantizedWeight> quantize)
    {
        var quantized = new List<string>();
        var hosts = model.named_modules().Where(m => m.module is ProjectionHost).Select(m => (m.name, (ProjectionHost)m.module)).ToList();
        foreach (var (path, host) in hosts)
        {
            foreach (var name in host.ProjectionNames)
            {
                if (host.GetProjection(name) is not Linear linear)
                    continue;
                host.ReplaceProjection(name, new QuantizedLinear(linear, quantize));
                linear.Dispose(); // Frees the full-precision weight; only the quantized copy remains.
                quantized.Add(path.Length == 0 ? name : $"{path}.{name}");
            }
        }
        return quantized;
    }

    /// <summary>
    /// Replaces every quantized projection that no LoRA layer wraps with a plain linear layer holding its dequantized
    /// weight; returns how many. After <see cref="LoraModel.Merge"/> this leaves a model without quantized layers.
    /// </summary>
    public static int Dequantize(nn.Module model)
    {
        int count = 0;
        var hosts = model.named_modules().Where(m => m.module is ProjectionHost).Select(m => (ProjectionHost)m.module).ToList();
        foreach (var host in hosts)
        {
            foreach (var name in host.ProjectionNames)
            {
                if (host.GetProjection(name) is not QuantizedLinear quantized)
                    continue;
                host.ReplaceProjection(name, quantized.ToLinear());
                quantized.Dispose();
                count++;
            }
        }
        return count;
    }

    /// <summary>Quantizes the projections, then attaches LoRA to the target modules; returns the LoRA module paths.</summary>
    public static IReadOnlyList<string> Attach(nn.Module model, LoraOptions options, FourBitType type, long seed)
    {
        Quantize(model, type);
        return LoraModel.Attach(model, options, seed);
    }

    /// <summary>Every quantized layer with its module path, including those wrapped by LoRA.</summary>
    public static IEnumerable<(string Path, QuantizedLinear Layer)> QuantizedLayers(nn.Module model) =>
        model.named_modules().Where(m => m.module is QuantizedLinear).Select(m => (m.name, (QuantizedLinear)m.module));
}
