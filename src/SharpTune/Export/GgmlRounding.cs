using static TorchSharp.torch;

namespace SharpTune.Export;

/// <summary>
/// Rounds float32 tensors to the values that a ggml storage type holds, as tensor operations on the tensor's own
/// device: what <see cref="GgmlQuantizer.Encode"/> followed by ggml's dequantize_row_* yields, value for value.
/// </summary>
public static class GgmlRounding
{
    /// <summary>
    /// Returns <paramref name="x"/> (float32, last dimension a multiple of 32 for the block types) rounded through
    /// <paramref name="type"/> and back to float32.
    /// </summary>
    public static Tensor RoundTrip(Tensor x, GgmlType type)
    {
        using var scope = NewDisposeScope();
        var result = type switch
        {
            GgmlType.F32 => x.alias(),
            GgmlType.F16 => x.to(ScalarType.Float16).to(x.dtype),
            GgmlType.BF16 => x.to(ScalarType.BFloat16).to(x.dtype),
            GgmlType.Q8_0 => BlockRoundTrip(x, Q8_0),
            GgmlType.Q4_0 => BlockRoundTrip(x, Q4_0),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported ggml type"),
        };
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The type that ggml's CPU backend converts the activations to before it multiplies them with a weight of
    /// <paramref name="weightType"/> (<c>vec_dot_type</c> in ggml-cpu.c's type traits): q8_0 for q8_0 and q4_0
    /// weights, the weight's own type for f32, f16 and bf16.
    /// </summary>
    public static GgmlType ActivationType(GgmlType weightType) => weightType switch
    {
        GgmlType.Q8_0 or GgmlType.Q4_0 => GgmlType.Q8_0,
        _ => weightType,
    };

    static Tensor BlockRoundTrip(Tensor x, Func<Tensor, Tensor> roundBlocks)
    {
        if (x.shape[^1] % GgmlQuantizer.BlockSize != 0)
            throw new ArgumentException($"rows of {x.shape[^1]} values do not split into blocks of {GgmlQuantizer.BlockSize}", nameof(x));
        var blocks = x.to(ScalarType.Float32).reshape(-1, GgmlQuantizer.BlockSize);    // [blocks, 32]
        return roundBlocks(blocks).reshape(x.shape).to(x.dtype);
    }

    // d = max|x| / 127, stored as f16; q = roundf(x / d) computed as x * (1 / d), as quantize_row_q8_0_ref does.
    static Tensor Q8_0(Tensor blocks)
    {
        var d = blocks.abs().amax([1], keepdim: true) / 127f;                             // [blocks, 1]
        var q = RoundHalfAwayFromZero(blocks * InverseOrZero(d));
        return StoredScale(d) * q;
    }

    // d = m / -8 for the value m of largest magnitude (the first one on ties); q = min(15, trunc(x / d + 8.5));
    // x ≈ d (q - 8), as quantize_row_q4_0_ref and dequantize_row_q4_0 do.
    static Tensor Q4_0(Tensor blocks)
    {
        var largest = blocks.gather(1, blocks.abs().argmax(1, keepdim: true));             // [blocks, 1]
        var d = largest / -8f;
        var q = (blocks * InverseOrZero(d) + 8.5f).trunc().clamp_max(15);
        return StoredScale(d) * (q - 8);
    }

    static Tensor InverseOrZero(Tensor d) => where(d.eq(0), zeros_like(d), d.reciprocal());

    static Tensor StoredScale(Tensor d) => d.to(ScalarType.Float16).to(ScalarType.Float32);

    // C's roundf: halves go away from zero (torch.round goes to even). v - trunc(v) is exact in float32.
    static Tensor RoundHalfAwayFromZero(Tensor v)
    {
        var whole = v.trunc();
        return whole + where((v - whole).abs().ge(0.5f), v.sign(), zeros_like(v));
    }
}
