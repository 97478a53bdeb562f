namespace SharpTune.Precision;

/// <summary>4-bit data type for quantized base weights, as in QLoRA (Dettmers et al., 2023).</summary>
public enum FourBitType
{
    /// <summary>4-bit NormalFloat: 16 quantiles of N(0, 1) scaled to [-1, 1], with an exact zero.</summary>
    Nf4,

    /// <summary>4-bit float with 2 exponent bits and 1 mantissa bit, as bitsandbytes' FP4.</summary>
    Fp4,
}

/// <summary>The 16 code values of each 4-bit data type, sorted ascending.</summary>
public static class FourBitCodebook
{
    /// <summary>
    /// NF4 values as bitsandbytes lists them (<c>functional.py</c>, <c>get_4bit_type("nf4")</c>).
    /// Code index i here is the same 4-bit pattern bitsandbytes stores.
    /// </summary>
    public static readonly float[] Nf4 =
    [
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    ];

    /// <summary>
    /// FP4 (e2m1) values of bitsandbytes' <c>get_4bit_type("fp4")</c> normalized by their maximum 12, sorted.
    /// Like bitsandbytes it has both -0 and +0, so it holds 15 distinct values.
    /// </summary>
    /// <remarks>The code indices are positions in this sorted table, not bitsandbytes' sign-exponent-mantissa bits.</remarks>
    public static readonly float[] Fp4 =
    [
        -1.0f, -8f / 12, -6f / 12, -4f / 12, -3f / 12, -2f / 12, -0.0625f / 12, -0.0f,
        0.0f, 0.0625f / 12, 2f / 12, 3f / 12, 4f / 12, 6f / 12, 8f / 12, 1.0f,
    ];

    public static float[] Values(FourBitType type) => type == FourBitType.Nf4 ? Nf4 : Fp4;
}
