using System.Buffers.Binary;
using SharpTune.Export;

namespace SharpTune.Tests.Export;

public class GgmlQuantizerTests
{
    // Block 0..31 scaled so that max |x| = 31 * 0.5 = 15.5.
    static float[] Ramp() => Enumerable.Range(0, 32).Select(i => i * 0.5f).ToArray();

    [Fact]
    public void Q8_0_block_is_34_bytes()
    {
        Assert.Equal(34, GgmlQuantizer.Encode(Ramp(), GgmlType.Q8_0).Length);
    }

    [Fact]
    public void Q8_0_scale_is_max_over_127()
    {
        var bytes = GgmlQuantizer.Encode(Ramp(), GgmlType.Q8_0);

        Assert.Equal((Half)(15.5f / 127f), BinaryPrimitives.ReadHalfLittleEndian(bytes));
    }

    [Fact]
    public void Q8_0_codes_round_half_away()
    {
        var bytes = GgmlQuantizer.Encode(Ramp(), GgmlType.Q8_0);

        // x = 0.5 i and d = 15.5 / 127, so q = round(0.5 i * 127 / 15.5): i = 1 → 4.097 → 4, i = 31 → 127.
        Assert.Equal(4, (sbyte)bytes[3]);
        Assert.Equal(127, (sbyte)bytes[33]);
    }

    [Fact]
    public void Q4_0_block_is_18_bytes()
    {
        Assert.Equal(18, GgmlQuantizer.Encode(Ramp(), GgmlType.Q4_0).Length);
    }

    [Fact]
    public void Q4_0_scale_from_signed_max()
    {
        var bytes = GgmlQuantizer.Encode(Ramp(), GgmlType.Q4_0);

        // The largest magnitude is +15.5, so d = 15.5 / -8 = -1.9375 (exact in half precision).
        Assert.Equal((Half)(-1.9375f), BinaryPrimitives.ReadHalfLittleEndian(bytes));
    }

    [Fact]
    public void Q4_0_nibble_packing()
    {
        var bytes = GgmlQuantizer.Encode(Ramp(), GgmlType.Q4_0);

        // x / d + 8.5: element 0 → 8.5 → 8; element 16 (x = 8) → -4.129 + 8.5 = 4.37 → 4.
        Assert.Equal(8 | (4 << 4), bytes[2]);
        // element 15 (x = 7.5) → 4.629 → 4; element 31 (x = 15.5) → 0.5 → 0.
        Assert.Equal(4 | (0 << 4), bytes[17]);
    }

    [Fact]
    public void Bf16_rounds_to_nearest_even()
    {
        // 1 + 2^-8 lies halfway between bf16 neighbours 1 and 1 + 2^-7; ties go to the even one, 1.0 (0x3F80).
        Assert.Equal(0x3F80, GgmlQuantizer.ToBFloat16(1f + 1f / 256));
        // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 (odd) and 1 + 2^-6, so it rounds up to 0x3F82.
        Assert.Equal(0x3F82, GgmlQuantizer.ToBFloat16(1f + 3f / 256));
    }

    [Fact]
    public void Fits_rejects_partial_blocks()
    {
        Assert.False(GgmlQuantizer.Fits(GgmlType.Q8_0, 172));
        Assert.True(GgmlQuantizer.Fits(GgmlType.F16, 172));
    }
}
