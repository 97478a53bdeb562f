namespace SharpTune.Mechanisms.Prefix;

/// <summary>
/// Prefix tuning settings (Li and Liang, 2021), named as in PEFT's <c>PrefixTuningConfig</c>: every layer's attention
/// sees <see cref="NumVirtualTokens"/> trained key/value pairs before the real tokens. Recipe section <c>prefix</c>.
/// </summary>
public sealed record PrefixOptions
{
    /// <summary>Number of prefix key/value positions per layer. Key <c>prefix.num_virtual_tokens</c>, default 10.</summary>
    public int NumVirtualTokens { get; init; } = 10;

    /// <summary>
    /// Train the prefix through a two-layer MLP (embedding → tanh MLP → keys and values) and store its output.
    /// Li and Liang use this reparameterisation because training the table directly was unstable for them. Key <c>prefix.prefix_projection</c>, default false.
    /// </summary>
    public bool PrefixProjection { get; init; }

    /// <summary>Hidden width of the reparameterisation MLP; null means the model's hidden size. Key <c>prefix.encoder_hidden_size</c>.</summary>
    public int? EncoderHiddenSize { get; init; }
}
