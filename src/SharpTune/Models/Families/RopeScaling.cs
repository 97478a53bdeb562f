namespace SharpTune.Models.Families;

/// <summary>
/// <c>rope_scaling</c> from <c>config.json</c>: how rotary frequencies are stretched for contexts longer than
/// training. Field names and defaults follow transformers' <c>modeling_rope_utils.py</c>.
/// </summary>
/// <param name="Type"><c>rope_type</c> (or the older <c>type</c>): llama3, linear, dynamic or yarn.</param>
/// <param name="Factor">Context extension factor.</param>
/// <param name="LowFreqFactor">llama3: wavelengths above original/low_freq_factor are divided by the factor.</param>
/// <param name="HighFreqFactor">llama3: wavelengths below original/high_freq_factor are kept.</param>
/// <param name="OriginalMaxPositionEmbeddings">Context length the model was trained at, or null for max_position_embeddings.</param>
/// <param name="BetaFast">yarn: rotations per context above which dimensions are extrapolated (default 32).</param>
/// <param name="BetaSlow">yarn: rotations per context below which dimensions are interpolated (default 1).</param>
/// <param name="AttentionFactor">yarn: scale on cos and sin, or null for 0.1 ln(factor) + 1.</param>
public sealed record RopeScaling(
    string Type,
    double Factor,
    double LowFreqFactor = 1.0,
    double HighFreqFactor = 4.0,
    int? OriginalMaxPositionEmbeddings = null,
    double BetaFast = 32.0,
    double BetaSlow = 1.0,
    double? AttentionFactor = null)
{
    /// <summary>The <c>rope_type</c> values this decoder implements.</summary>
    public static readonly IReadOnlyList<string> SupportedTypes = ["default", "llama3", "linear", "dynamic", "yarn"];
}
