using SharpTune.Precision;
using static TorchSharp.torch;

namespace SharpTune.Tests.Precision;

public class DynamicQuantizationMapTests
{
    [Fact]
    public void SignedMap_Has256DistinctSortedValues()
    {
        var map = DynamicQuantizationMap.Signed;
        Assert.Equal(256, map.Distinct().Count());
        Assert.Equal(map.OrderBy(v => v), map);
    }

    [Fact]
    public void UnsignedMap_Has256DistinctNonNegativeValues()
    {
        var map = DynamicQuantizationMap.Unsigned;
        Assert.Equal(256, map.Distinct().Count());
        Assert.True(map.All(v => v >= 0));
    }

    [Fact]
    public void SignedMap_Ends()
    {
        // Decade 1 holds 64 midpoints of [0.1, 1]: the last is 1 - 0.45/64; decade 1e-6 holds one, 0.55e-6.
        var map = DynamicQuantizationMap.Signed;
        Assert.Equal([-(1 - 0.45f / 64), 1f], [map[0], map[^1]]);
        Assert.Equal(0.55e-6f, map.Where(v => v > 0).Min(), 1e-12f);
    }

    [Fact]
    public void UnsignedMap_Ends()
    {
        // The sign bit goes to the fraction: decade 1 holds 128 midpoints (last 1 - 0.45/128), decade 1e-6 two (first 0.325e-6).
        var map = DynamicQuantizationMap.Unsigned;
        Assert.Equal(1 - 0.45f / 128, map[^2]);
        Assert.Equal(0.325e-6f, map.Where(v => v > 0).Min(), 1e-12f);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RoundTrip_WithinHalfTheDecadeSpacing(bool signed)
    {
        // Values log-uniform over 8 decades, with a 1 in the block so the absmax is 1.
        var random = new Random(3);
        var values = new float[2048];
        values[0] = 1f;
        for (int i = 1; i < values.Length; i++)
        {
            float magnitude = MathF.Pow(10, -8 * random.NextSingle());
            values[i] = signed && random.Next(2) == 0 ? -magnitude : magnitude;
        }
        var map = signed ? DynamicQuantizationMap.Signed : DynamicQuantizationMap.Unsigned;
        using var stored = Blockwise8BitTensor.Zeros([values.Length], map, CPU);
        using (var input = tensor(values))
            stored.Store(input);
        using var restored = stored.Dequantize();

        var output = restored.data<float>().ToArray();
        // 1e-5 of slack covers float32 rounding of the codes and of the division by the absmax.
        var excess = values.Select((v, i) => Math.Abs(v - output[i]) - HalfSpacing(Math.Abs(v), signed) * (1 + 1e-5)).Max();
        Assert.True(excess <= 0, $"an error exceeds its bound by {excess:G3}");
    }

    /// <summary>
    /// The largest round-trip error for |x| ≤ 1 that the map's construction allows: decade [0.1·s, s], s = 10^(i-6),
    /// is split into 2^i equal parts (2^(i+1) unsigned) whose midpoints are the codes, so the error is at most half a
    /// part, 0.45·s/2^i. At a decade's edges the neighbouring codes are closer than that. Below 1e-7 the nearest codes
    /// are 0 and the smallest code.
    /// </summary>
    static double HalfSpacing(double x, bool signed)
    {
        int extra = signed ? 0 : 1;
        if (x < 1e-7)
            return (signed ? 0.55e-6 : 0.325e-6) / 2;
        int i = Math.Clamp((int)Math.Ceiling(Math.Log10(x) + 6 - 1e-12), 0, 6);
        return 0.45 * Math.Pow(10, i - 6) / (1 << (i + extra));
    }

    [Fact]
    public void Blocks_ScaleByTheirOwnAbsmax()
    {
        // Two blocks of 2048 with absmax 1000 and 0.001: each element's error stays within its block's 0.45/64 · absmax.
        var first = Enumerable.Range(0, 2048).Select(i => 1000f * (i + 1) / 2048).ToArray();
        var second = Enumerable.Range(0, 2048).Select(i => -0.001f * (i + 1) / 2048).ToArray();
        using var stored = Blockwise8BitTensor.Zeros([2, 2048], DynamicQuantizationMap.Signed, CPU);
        using (var input = tensor(first.Concat(second).ToArray()).reshape(2, 2048))
            stored.Store(input);
        using var restored = stored.Dequantize();

        var output = restored.reshape(-1).data<float>().ToArray();
        Assert.Equal([1000f, 0.001f], stored.Absmax.data<float>().ToArray());
        var topDecade = Enumerable.Range(0, 4096).Where(i => i % 2048 >= 205);   // |x| ≥ 0.1 · absmax
        Assert.All(topDecade, i =>
            Assert.True(Math.Abs(output[i] - (i < 2048 ? first[i] : second[i - 2048])) <= (i < 2048 ? 1000 : 0.001) * 0.45 / 64 * 1.0001));
    }

    [Fact]
    public void StorageBytes_OneBytePerElementAndFourPerBlock()
    {
        // 5000 elements in blocks of 2048: 3 blocks.
        using var stored = Blockwise8BitTensor.Zeros([50, 100], DynamicQuantizationMap.Unsigned, CPU);
        Assert.Equal(5000 + 3 * 4, stored.StorageBytes);
    }

    [Fact]
    public void Zeros_DequantizeToZero()
    {
        using var stored = Blockwise8BitTensor.Zeros([3000], DynamicQuantizationMap.Signed, CPU);
        using var values = stored.Dequantize();
        Assert.Equal(0f, values.abs().max().item<float>());
    }
}
