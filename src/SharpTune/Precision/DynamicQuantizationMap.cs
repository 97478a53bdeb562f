namespace SharpTune.Precision;

/// <summary>
/// The 256-value dynamic tree maps of 8-bit optimizers (Dettmers et al., 2022, "8-bit Optimizers via Block-wise
/// Quantization", section 2.2; bitsandbytes <c>create_dynamic_map</c>). A code is a decimal exponent that selects a
/// decade <c>[10^-k · 0.1, 10^-k]</c>, k = 0..6, and a linear fraction inside it; the closer a decade is to 1, the
/// more fraction values it gets. So large values keep a small relative error and tiny ones still have a code.
/// </summary>
/// <remarks>
/// Decade <c>10^-k</c> contains <c>2^(6-k)</c> fraction values in the signed map and <c>2^(7-k)</c> in the unsigned map
/// (the unsigned map spends the sign bit on the fraction); the midpoints of an even split of [0.1, 1] are the values.
/// Both maps add 0 and 1, so the signed map has 2·127 + 2 = 256 values and the unsigned map 254 + 2.
/// The maps are built in double precision and rounded to float32; bitsandbytes builds them with float32 arithmetic,
/// so single entries may differ in the last bit.
/// </remarks>
public static class DynamicQuantizationMap
{
    /// <summary>Decades below 1 that hold codes (bitsandbytes' <c>max_exponent_bits</c>).</summary>
    public const int Decades = 7;

    /// <summary>The map for signed values such as Adam's first moment, sorted ascending, 256 entries in [-1, 1].</summary>
    public static readonly float[] Signed = Build(signed: true);

    /// <summary>The map for non-negative values such as Adam's second moment, sorted ascending, 256 entries in [0, 1].</summary>
    public static readonly float[] Unsigned = Build(signed: false);

    static float[] Build(bool signed)
    {
        var values = new List<double> { 0.0, 1.0 };
        for (int i = 0; i < Decades; i++)
        {
            double decade = Math.Pow(10, i - (Decades - 1));    // 1e-6 .. 1
            int fractions = signed ? 1 << i : 1 << (i + 1);      // values in this decade
            double step = 0.9 / fractions;
            for (int j = 0; j < fractions; j++)
            {
                double mean = 0.1 + (j + 0.5) * step;           // midpoint of [0.1 + j·step, 0.1 + (j+1)·step]
                values.Add(decade * mean);
                if (signed)
                    values.Add(-decade * mean);
            }
        }
        return values.Select(v => (float)v).OrderBy(v => v).ToArray();
    }
}
