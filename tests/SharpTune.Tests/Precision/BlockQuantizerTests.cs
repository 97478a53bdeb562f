using SharpTune.Precision;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpTune.Tests.Precision;

/// <summary>4-bit block quantization: code tables, packing, round-trip error bounds and stored size.</summary>
public sealed class BlockQuantizerTests(ITestOutputHelper output)
{
    /// <summary>NF4 as listed in bitsandbytes' <c>get_4bit_type("nf4")</c> (<c>bitsandbytes/functional.py</c>).</summary>
    static readonly double[] PublishedNf4 =
    [
        -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
        -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
        0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
    ];

    /// <summary>bitsandbytes' FP4 values {0, 0.0625, 2, 3, 4, 6, 8, 12} with both signs, divided by 12.</summary>
    static readonly double[] PublishedFp4Magnitudes = [0, 0.0625 / 12, 2.0 / 12, 3.0 / 12, 4.0 / 12, 6.0 / 12, 8.0 / 12, 1.0];

    static Tensor NormalWeight(long rows, long columns)
    {
        var generator = new TorchSharp.torch.Generator(1234);
        return randn([rows, columns], generator: generator);
    }

    /// <summary>Half the widest gap between neighbouring codes: the worst rounding error of a normalized value.</summary>
    static double MaxHalfGap(IReadOnlyList<double> sorted) =>
        Enumerable.Range(0, sorted.Count - 1).Max(i => sorted[i + 1] - sorted[i]) / 2;

    static float[] Values(Tensor t) => t.to(ScalarType.Float32).reshape(-1).data<float>().ToArray();

    [Fact]
    public void Nf4_EqualsPublishedValues()
    {
        Assert.Equal(PublishedNf4, FourBitCodebook.Nf4.Select(v => (double)v).ToArray());
    }

    [Fact]
    public void Fp4_EqualsPublishedValues()
    {
        var expected = PublishedFp4Magnitudes.Select(v => -v).Concat(PublishedFp4Magnitudes).Order().ToArray();

        Assert.Equal(expected, FourBitCodebook.Fp4.Select(v => (double)v).Order().ToArray(), (a, b) => Math.Abs(a - b) < 1e-7);
    }

    [Fact]
    public void Pack_PutsFirstElementInHighNibble()
    {
        var block = new float[64];
        block[0] = -1f; // NF4 index 0
        block[1] = 1f;  // NF4 index 15
        using var weight = tensor(block).reshape(1, 64);
        using var quantized = BlockQuantizer.Quantize(weight, FourBitType.Nf4, doubleQuantize: false);

        Assert.Equal((byte)0x0F, quantized.Packed[0].item<byte>());
    }

    [Fact]
    public void Nf4_CodeMultiplesRoundTripExactly()
    {
        // Each block holds every code times its own absmax, so quantization has nothing to round.
        var values = new float[4 * 64];
        for (int i = 0; i < values.Length; i++)
            values[i] = FourBitCodebook.Nf4[i % 16] * (i / 64 + 1) * 0.5f;
        using var weight = tensor(values).reshape(4, 64);
        using var quantized = BlockQuantizer.Quantize(weight, FourBitType.Nf4, doubleQuantize: false);
        using var restored = quantized.Dequantize(ScalarType.Float32);

        Assert.Equal(values, Values(restored));
    }

    [Theory]
    [InlineData(FourBitType.Nf4)]
    [InlineData(FourBitType.Fp4)]
    public void RoundTrip_ErrorWithinHalfGapTimesAbsmax(FourBitType type)
    {
        using var weight = NormalWeight(128, 512);
        using var quantized = BlockQuantizer.Quantize(weight, type, doubleQuantize: false);
        using var restored = quantized.Dequantize(ScalarType.Float32);

        var table = type == FourBitType.Nf4 ? PublishedNf4 : PublishedFp4Magnitudes.Select(v => -v).Concat(PublishedFp4Magnitudes).Order().ToArray();
        double halfGap = MaxHalfGap(table);
        var x = Values(weight);
        var y = Values(restored);
        var absmax = Enumerable.Range(0, x.Length / 64).Select(b => x.Skip(b * 64).Take(64).Max(Math.Abs)).ToArray();
        int violations = Enumerable.Range(0, x.Length).Count(i => Math.Abs(x[i] - y[i]) > absmax[i / 64] * halfGap * (1 + 1e-6));
        double rms = Math.Sqrt(Enumerable.Range(0, x.Length).Average(i => (double)(x[i] - y[i]) * (x[i] - y[i])));
        output.WriteLine($"{type}: RMS error {rms:F4} on N(0, 1); bound per element absmax x {halfGap:F4}");

        Assert.Equal(0, violations);
    }

    [Fact]
    public void DoubleQuant_AbsmaxErrorWithinHalfStep()
    {
        using var weight = NormalWeight(128, 512);
        using var plain = BlockQuantizer.Quantize(weight, FourBitType.Nf4, doubleQuantize: false);
        using var dq = BlockQuantizer.Quantize(weight, FourBitType.Nf4);
        using var restored = dq.BlockAbsmax();

        var exact = Values(plain.Absmax!);
        var approx = Values(restored);
        var scales = Values(dq.AbsmaxScales!);
        // Linear int8 with 127 steps per scale: the rounding error is at most half a step, scale / 254.
        int violations = Enumerable.Range(0, exact.Length).Count(i => Math.Abs(exact[i] - approx[i]) > scales[i / 256] / 254 * (1 + 1e-5) + 1e-6);

        Assert.Equal(0, violations);
    }

    [Fact]
    public void DoubleQuant_StoredBitsPerParameter()
    {
        // 128 x 512 = 65,536 weights = 1,024 blocks of 64 = 4 groups of 256 absmax values.
        using var weight = NormalWeight(128, 512);
        using var quantized = BlockQuantizer.Quantize(weight, FourBitType.Nf4);

        double perParameter = 4 + 8.0 / 64 + 32.0 / (64 * 256); // 4.126953125
        double offsetShare = 32.0 / 65536; // the one float32 mean of the absmax values
        output.WriteLine($"bits per parameter: {quantized.BitsPerParameter} = {perParameter} + {offsetShare} for the per-tensor mean");

        Assert.Equal(perParameter + offsetShare, quantized.BitsPerParameter, 12);
    }

    [Fact]
    public void SingleQuant_StoredBitsPerParameter()
    {
        using var weight = NormalWeight(128, 512);
        using var quantized = BlockQuantizer.Quantize(weight, FourBitType.Nf4, doubleQuantize: false);

        Assert.Equal(4 + 32.0 / 64, quantized.BitsPerParameter, 12);
    }
}
