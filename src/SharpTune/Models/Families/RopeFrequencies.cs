
namespace SharpTune.Models.Families;

/// <summary>
/// Inverse rotary frequencies and the cos/sin scale for each <c>rope_scaling</c> type, computed in double as
/// transformers' <c>modeling_rope_utils.py</c> defines them (llama3, linear, dynamic NTK, yarn).
/// </summary>
public static class RopeFrequencies
{
    /// <summary>
    /// Returns <c>rotaryDim / 2</c> inverse frequencies and the factor applied to cos and sin.
    /// <paramref name="sequenceLength"/> (max position + 1) matters only for dynamic scaling.
    /// </summary>
    public static (double[] InverseFrequency, double AttentionFactor) Compute(
        int rotaryDim, double theta, RopeScaling? scaling, int maxPositionEmbeddings, long sequenceLength)
    {
        var plain = Plain(rotaryDim, theta);
        switch (scaling?.Type)
        {
            case null:
                return (plain, 1.0);
            case "linear":
                return (plain.Select(f => f / scaling.Factor).ToArray(), 1.0);
            case "llama3":
                return (Llama3(plain, scaling, maxPositionEmbeddings), 1.0);
            case "dynamic":
                return (Dynamic(rotaryDim, theta, scaling, maxPositionEmbeddings, sequenceLength), 1.0);
            case "yarn":
                return Yarn(rotaryDim, theta, scaling, maxPositionEmbeddings);
            default:
                throw new NotSupportedException($"rope_scaling type '{scaling.Type}' is not supported.");
        }
    }

    // theta^(-2i/d) for i = 0 .. d/2-1.
    static double[] Plain(int dim, double theta) =>
        Enumerable.Range(0, dim / 2).Select(i => 1.0 / Math.Pow(theta, 2.0 * i / dim)).ToArray();

    // Llama 3.1: long wavelengths are divided by the factor, short ones kept, and the band between is blended.
    static double[] Llama3(double[] plain, RopeScaling s, int maxPositionEmbeddings)
    {
        double original = s.OriginalMaxPositionEmbeddings ?? maxPositionEmbeddings;
        double lowFreqWavelength = original / s.LowFreqFactor;
        double highFreqWavelength = original / s.HighFreqFactor;
        return plain.Select(f =>
        {
            double wavelength = 2 * Math.PI / f;
            if (wavelength < highFreqWavelength)
                return f;
            if (wavelength > lowFreqWavelength)
                return f / s.Factor;
            double smooth = (original / wavelength - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
            return (1 - smooth) * f / s.Factor + smooth * f;
        }).ToArray();
    }

    // Dynamic NTK: beyond the trained length the base grows so that the longest wavelength covers the sequence.
    static double[] Dynamic(int dim, double theta, RopeScaling s, int maxPositionEmbeddings, long sequenceLength)
    {
        int original = s.OriginalMaxPositionEmbeddings ?? maxPositionEmbeddings;
        if (sequenceLength <= original)
            return Plain(dim, theta);
        double ratio = s.Factor * sequenceLength / original - (s.Factor - 1);
        return Plain(dim, theta * Math.Pow(ratio, dim / (dim - 2.0)));
    }

    // YaRN (Peng et al., 2023): dimensions with many rotations per context extrapolate, few interpolate, a linear
    // ramp joins them; cos and sin are scaled by 0.1 ln(factor) + 1 unless attention_factor is given.
    static (double[], double) Yarn(int dim, double theta, RopeScaling s, int maxPositionEmbeddings)
    {
        int original = s.OriginalMaxPositionEmbeddings ?? maxPositionEmbeddings;
        double attentionFactor = s.AttentionFactor ?? (s.Factor <= 1 ? 1.0 : 0.1 * Math.Log(s.Factor) + 1.0);

        double CorrectionDim(double rotations) =>
            dim * Math.Log(original / (rotations * 2 * Math.PI)) / (2 * Math.Log(theta));
        double low = Math.Max(Math.Floor(CorrectionDim(s.BetaFast)), 0);
        double high = Math.Min(Math.Ceiling(CorrectionDim(s.BetaSlow)), dim - 1);
        if (low == high)
            high += 0.001; // transformers' guard against a zero-width ramp

        var plain = Plain(dim, theta);
        var frequencies = new double[plain.Length];
        for (int i = 0; i < plain.Length; i++)
        {
            double ramp = Math.Clamp((i - low) / (high - low), 0, 1);
            double extrapolationWeight = 1 - ramp;
            frequencies[i] = plain[i] / s.Factor * (1 - extrapolationWeight) + plain[i] * extrapolationWeight;
        }
        return (frequencies, attentionFactor);
    }
}
