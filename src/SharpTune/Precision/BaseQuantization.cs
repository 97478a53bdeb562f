using static TorchSharp.torch;

namespace SharpTune.Precision;

/// <summary>How a run stores its frozen base projections: the recipe's name for the format, a log description and the quantizer.</summary>
public sealed record BaseQuantization(string Name, string Description, Func<Tensor, IQuantizedWeight> Quantize)
{
    public static BaseQuantization FourBit(FourBitType type) => new(
        type.ToString().ToLowerInvariant(),
        $"{type} (block {BlockQuantizer.DefaultBlockSize}, double-quantized scales)",
        weight => BlockQuantizer.Quantize(weight, type));

    public static readonly BaseQuantization Int8 = new("int8", "int8 (row-wise absmax)", Int8Tensor.Quantize);

    /// <summary>The format named <paramref name="name"/> (nf4, fp4, int8), or null for any other name.</summary>
    public static BaseQuantization? FromName(string name) => name switch
    {
        "nf4" => FourBit(FourBitType.Nf4),
        "fp4" => FourBit(FourBitType.Fp4),
        "int8" => Int8,
        _ => null,
    };
}
