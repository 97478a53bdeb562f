using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Precision;

/// <summary>
/// A weight <c>[out, in]</c> stored as int8 with one float32 absmax scale per output row: code = round(127 · w / absmax),
/// so each element is off by at most absmax/127/2. This is the row-wise ("vector-wise") absmax quantization of
/// LLM.int8() (Dettmers et al., 2022) without its fp16 outlier columns, and the same layout as PyTorch's per-channel
/// symmetric int8.
/// </summary>
/// <remarks>
/// Rows rather than blocks of 64: one scale per row costs 32/in bits per weight (under 0.02 bits for in ≥ 2048),
/// and a row's range is what one output feature needs. An outlier weight widens the step of its whole row;
/// block-wise NF4 confines that to 64 weights.
/// </remarks>
public sealed class Int8Tensor : IQuantizedWeight
{
    /// <summary>Codes in [-127, 127], <c>[out, in]</c> int8.</summary>
    public Tensor Codes { get; }

    /// <summary>Absolute maximum of each row, <c>[out]</c> float32.</summary>
    public Tensor Absmax { get; }

    public long[] Shape { get; }

    Int8Tensor(Tensor codes, Tensor absmax, long[] shape)
    {
        Codes = codes;
        Absmax = absmax;
        Shape = shape;
    }

    /// <summary>Quantizes a 2-D <paramref name="weight"/> (any float dtype) row by row.</summary>
    public static Int8Tensor Quantize(Tensor weight)
    {
        if (weight.dim() != 2)
            throw new ArgumentException($"int8 row-wise quantization needs a 2-D weight, got shape [{string.Join(", ", weight.shape)}]", nameof(weight));
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        var values = weight.detach().to(ScalarType.Float32);                           // [out, in]
        var absmax = values.abs().amax([1]);                                           // [out]
        // An all-zero row divides by 1 instead of 0; its codes are all 0.
        var codes = (values / absmax.clamp_min(float.Epsilon).unsqueeze(1) * 127f).round_().clamp_(-127, 127).to(ScalarType.Int8);
        return new Int8Tensor(codes.MoveToOuterDisposeScope(), absmax.MoveToOuterDisposeScope(), weight.shape);
    }

    public IReadOnlyList<(string Name, Tensor Tensor)> StoredTensors => [("weight_int8", Codes), ("weight_absmax", Absmax)];

    /// <summary>One byte per weight and four per row.</summary>
    public long StorageBytes => Codes.numel() + 4 * Absmax.numel();

    public Tensor Dequantize(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var values = Codes.to(ScalarType.Float32) * (Absmax / 127f).unsqueeze(1);    // [out, in]
        return values.to(dtype).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Codes.Dispose();
        Absmax.Dispose();
    }
}
