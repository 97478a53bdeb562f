using System.Buffers.Binary;

namespace SharpTune.Export;

/// <summary>
/// Encodes float32 rows into ggml's storage formats. The block formats follow ggml's reference quantizers
/// (<c>quantize_row_q8_0_ref</c>, <c>quantize_row_q4_0_ref</c> in ggml-quants.c): 32 values per block, each block
/// led by its scale as an IEEE half.
/// </summary>
public static class GgmlQuantizer
{
    /// <summary>Values per q8_0 and q4_0 block.</summary>
    public const int BlockSize = 32;

    /// <summary>Returns the bytes one row of <paramref name="columns"/> values takes in <paramref name="type"/>.</summary>
    public static long RowBytes(GgmlType type, long columns) => type switch
    {
        GgmlType.F32 => columns * 4,
        GgmlType.F16 or GgmlType.BF16 => columns * 2,
        GgmlType.Q8_0 => columns / BlockSize * (2 + BlockSize),
        GgmlType.Q4_0 => columns / BlockSize * (2 + BlockSize / 2),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported ggml type"),
    };

    /// <summary>Whether rows of <paramref name="columns"/> values can be stored as <paramref name="type"/>.</summary>
    public static bool Fits(GgmlType type, long columns) =>
        type is not (GgmlType.Q8_0 or GgmlType.Q4_0) || columns % BlockSize == 0;

    /// <summary>Encodes <paramref name="values"/> (whole rows, row-major) as <paramref name="type"/>, little-endian.</summary>
    public static byte[] Encode(ReadOnlySpan<float> values, GgmlType type)
    {
        var output = new byte[RowBytes(type, values.Length)];
        switch (type)
        {
            case GgmlType.F32:
                for (int i = 0; i < values.Length; i++)
                    BinaryPrimitives.WriteSingleLittleEndian(output.AsSpan(i * 4), values[i]);
                break;
            case GgmlType.F16:
                for (int i = 0; i < values.Length; i++)
                    BinaryPrimitives.WriteHalfLittleEndian(output.AsSpan(i * 2), (Half)values[i]);
                break;
            case GgmlType.BF16:
                for (int i = 0; i < values.Length; i++)
                    BinaryPrimitives.WriteUInt16LittleEndian(output.AsSpan(i * 2), ToBFloat16(values[i]));
                break;
            case GgmlType.Q8_0:
                for (int block = 0; block < values.Length / BlockSize; block++)
                    EncodeQ8_0(values.Slice(block * BlockSize, BlockSize), output.AsSpan(block * (2 + BlockSize), 2 + BlockSize));
                break;
            case GgmlType.Q4_0:
                for (int block = 0; block < values.Length / BlockSize; block++)
                    EncodeQ4_0(values.Slice(block * BlockSize, BlockSize), output.AsSpan(block * (2 + BlockSize / 2), 2 + BlockSize / 2));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported ggml type");
        }
        return output;
    }

    /// <summary>Rounds a float32 to bfloat16 (round to nearest even), keeping NaN a quiet NaN.</summary>
    public static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
            return (ushort)((bits >> 16) | 0x40);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    // Scale d = max|x| / 127; each value is round(x / d), rounding halves away from zero as C's roundf does.
    static void EncodeQ8_0(ReadOnlySpan<float> block, Span<byte> output)
    {
        float amax = 0;
        foreach (var v in block)
            amax = MathF.Max(amax, MathF.Abs(v));
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        BinaryPrimitives.WriteHalfLittleEndian(output, (Half)d);
        for (int j = 0; j < BlockSize; j++)
            output[2 + j] = (byte)(sbyte)MathF.Round(block[j] * id, MidpointRounding.AwayFromZero);
    }

    // Scale d = m / -8, where m is the value of largest magnitude with its sign, so that m maps to code 0.
    // Code q = min(15, trunc(x / d + 8.5)) stores x ≈ (q - 8) d. Byte j stores element j in its low nibble
    // and element j + 16 in its high nibble.
    static void EncodeQ4_0(ReadOnlySpan<float> block, Span<byte> output)
    {
        float amax = 0, max = 0;
        foreach (var v in block)
        {
            if (amax < MathF.Abs(v))
            {
                amax = MathF.Abs(v);
                max = v;
            }
        }
        float d = max / -8f;
        float id = d != 0 ? 1f / d : 0f;
        BinaryPrimitives.WriteHalfLittleEndian(output, (Half)d);
        for (int j = 0; j < BlockSize / 2; j++)
        {
            int low = Math.Min(15, (int)(sbyte)(block[j] * id + 8.5f));
            int high = Math.Min(15, (int)(sbyte)(block[j + BlockSize / 2] * id + 8.5f));
            output[2 + j] = (byte)(low | (high << 4));
        }
    }
}
