using SharpTune.Models.Families;

namespace SharpTune.Tests.Models.Families;

/// <summary>
/// Rotary frequencies for each <c>rope_scaling</c> type against values worked out by hand from the formulas in
/// transformers' <c>modeling_rope_utils.py</c>.
/// </summary>
public sealed class RopeFrequenciesTests
{
    const double Tolerance = 1e-9;

    [Fact]
    public void Plain_IsThetaPower()
    {
        var (frequencies, factor) = RopeFrequencies.Compute(4, 10000, null, 512, 10);

        Assert.Equal(1.0, frequencies[0], Tolerance);
        Assert.Equal(0.01, frequencies[1], Tolerance);
        Assert.Equal(1.0, factor);
    }

    [Fact]
    public void Linear_DividesByFactor()
    {
        var (frequencies, _) = RopeFrequencies.Compute(4, 10000, new RopeScaling("linear", 2.0), 512, 10);

        Assert.Equal(0.5, frequencies[0], Tolerance);
        Assert.Equal(0.005, frequencies[1], Tolerance);
    }

    [Fact]
    public void Llama3_KeepsShortDividesLongWavelengths()
    {
        // Original context 64: wavelengths under 64/4 = 16 stay, over 64/1 = 64 are divided by 8.
        var scaling = new RopeScaling("llama3", 8.0, LowFreqFactor: 1.0, HighFreqFactor: 4.0, OriginalMaxPositionEmbeddings: 64);

        var (frequencies, _) = RopeFrequencies.Compute(4, 10000, scaling, 512, 10);

        Assert.Equal(1.0, frequencies[0], Tolerance);        // wavelength 2π
        Assert.Equal(0.01 / 8, frequencies[1], Tolerance);   // wavelength 628
    }

    [Fact]
    public void Llama3_BlendsMiddleBand()
    {
        // theta 25, dim 4: frequency 0.2 has wavelength 10π ≈ 31.4, between 16 and 64.
        // smooth = (64 / 31.4159 - 1) / 3 = 0.345727; (1 - smooth) · 0.2 / 8 + smooth · 0.2 = 0.0855024.
        var scaling = new RopeScaling("llama3", 8.0, LowFreqFactor: 1.0, HighFreqFactor: 4.0, OriginalMaxPositionEmbeddings: 64);

        var (frequencies, _) = RopeFrequencies.Compute(4, 25, scaling, 512, 10);

        Assert.Equal(0.08550235750861519, frequencies[1], 1e-12);
    }

    [Fact]
    public void Dynamic_UnchangedWithinContext()
    {
        var (frequencies, _) = RopeFrequencies.Compute(4, 10000, new RopeScaling("dynamic", 2.0), 64, 64);

        Assert.Equal(0.01, frequencies[1], Tolerance);
    }

    [Fact]
    public void Dynamic_GrowsBaseBeyondContext()
    {
        // Sequence 128 over context 64 with factor 2: base · (2·128/64 - 1)^(4/2) = 10000 · 9, so 1/300.
        var (frequencies, _) = RopeFrequencies.Compute(4, 10000, new RopeScaling("dynamic", 2.0), 64, 128);

        Assert.Equal(1.0 / 300, frequencies[1], Tolerance);
    }

    [Fact]
    public void Yarn_RampsBetweenCorrectionDims()
    {
        // dim 8, theta 10000, original 64, factor 4: correction dims floor(-0.497) → 0 and ceil(1.008) = 2, so the
        // ramp is 0, 0.5, 1, 1 and frequency i is plain_i · (ramp/4 + 1 - ramp).
        var scaling = new RopeScaling("yarn", 4.0, OriginalMaxPositionEmbeddings: 64);

        var (frequencies, factor) = RopeFrequencies.Compute(8, 10000, scaling, 512, 10);

        Assert.Equal(1.0, frequencies[0], Tolerance);
        Assert.Equal(0.1 * 0.625, frequencies[1], Tolerance);
        Assert.Equal(0.01 / 4, frequencies[2], Tolerance);
        Assert.Equal(0.001 / 4, frequencies[3], Tolerance);
        Assert.Equal(1.138629436111989, factor, 1e-12);       // 0.1 ln 4 + 1
    }
}
