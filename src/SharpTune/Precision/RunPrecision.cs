using SharpTune.Recipes;
using static TorchSharp.torch;

namespace SharpTune.Precision;

/// <summary>Maps a recipe's <c>precision</c> and <c>mechanism</c> to the compute dtype and the quantized base format.</summary>
public static class RunPrecision
{
    /// <summary>Dtype the model is loaded in and computes in; a 4-bit base dequantizes to it.</summary>
    public static ScalarType ComputeDtype(PrecisionKind precision) => precision switch
    {
        PrecisionKind.Bf16 => ScalarType.BFloat16,
        PrecisionKind.Fp16 => ScalarType.Float16,
        _ => ScalarType.Float32,
    };

    /// <summary>
    /// Returns the 4-bit type for the frozen projections, or null for a full-precision base: <c>nf4</c> and
    /// <c>fp4</c> pick it, and <c>mechanism: qlora</c> with a float precision takes NF4, as QLoRA does.
    /// </summary>
    public static FourBitType? BaseType(PrecisionKind precision, MechanismKind mechanism) => precision switch
    {
        PrecisionKind.Nf4 => FourBitType.Nf4,
        PrecisionKind.Fp4 => FourBitType.Fp4,
        PrecisionKind.Int8 => null,
        _ when mechanism == MechanismKind.Qlora => FourBitType.Nf4,
        _ => null,
    };

    /// <summary>How the frozen projections are stored: the 4-bit type of <see cref="BaseType"/>, int8, or null for full precision.</summary>
    public static BaseQuantization? Base(PrecisionKind precision, MechanismKind mechanism) =>
        precision == PrecisionKind.Int8 ? BaseQuantization.Int8
        : BaseType(precision, mechanism) is FourBitType type ? BaseQuantization.FourBit(type)
        : null;
}
