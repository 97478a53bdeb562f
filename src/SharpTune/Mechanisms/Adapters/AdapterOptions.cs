namespace SharpTune.Mechanisms.Adapters;

/// <summary>Nonlinearity between an adapter's down- and up-projection.</summary>
public enum AdapterNonLinearity
{
    Relu,
    Gelu,
    Silu,
    Tanh,
}

/// <summary>
/// Bottleneck adapter settings (Houlsby et al., 2019), named as in AdapterHub's <c>BnConfig</c>.
/// Recipe section <c>adapter</c>.
/// </summary>
public sealed record AdapterOptions
{
    /// <summary>Width of the bottleneck. Key <c>adapter.bottleneck_size</c>, default 16.</summary>
    public int BottleneckSize { get; init; } = 16;

    /// <summary>Adapter after the attention block's output projection. Key <c>adapter.mh_adapter</c>, default true.</summary>
    public bool MhAdapter { get; init; } = true;

    /// <summary>Adapter after the MLP block's output projection. Key <c>adapter.output_adapter</c>, default true.</summary>
    public bool OutputAdapter { get; init; } = true;

    /// <summary>Key <c>adapter.non_linearity</c>, default relu (AdapterHub's default).</summary>
    public AdapterNonLinearity NonLinearity { get; init; } = AdapterNonLinearity.Relu;
}
