namespace SharpTune.Recipes;

/// <summary>
/// Recipe section <c>reft</c>: representation fine-tuning settings, used when <c>mechanism</c> is <c>loreft</c>,
/// <c>direft</c>, <c>dii</c> or <c>brep</c>. Names follow pyreft where it has one (<c>r</c>, first and last positions).
/// </summary>
public sealed record ReftOptions
{
    /// <summary>Decoder layers whose outputs get an intervention. Key <c>reft.layers</c>, default null: every layer.</summary>
    public IReadOnlyList<int>? Layers { get; init; }

    /// <summary>Rank of the intervention subspace. Key <c>reft.r</c>, default 4. BREP has no rank.</summary>
    public int R { get; init; } = 4;

    /// <summary>Real prompt tokens intervened from the start. Key <c>reft.first_positions</c>, default 7.</summary>
    public int FirstPositions { get; init; } = 7;

    /// <summary>Real prompt tokens intervened from the end. Key <c>reft.last_positions</c>, default 7.</summary>
    public int LastPositions { get; init; } = 7;

    /// <summary>DII's source prompt, tokenized with the model's tokenizer. Key <c>reft.source_prompt</c>, required for DII.</summary>
    public string? SourcePrompt { get; init; }

    /// <summary>BREP: generated tokens after the prompt that are intervened. Key <c>reft.generated_positions</c>, default 4.</summary>
    public int GeneratedPositions { get; init; } = 4;

    /// <summary>BREP: response tokens per example that carry loss. Key <c>reft.prefix_length</c>, default 16.</summary>
    public int PrefixLength { get; init; } = 16;

    /// <summary>BREP: the total bias L2 norm the PID penalty holds. Key <c>reft.bias_target</c>, default 1.</summary>
    public double BiasTarget { get; init; } = 1;

    /// <summary>BREP: proportional gain of the penalty controller. Key <c>reft.kp</c>, default 1.</summary>
    public double Kp { get; init; } = 1;

    /// <summary>BREP: integral gain. Key <c>reft.ki</c>, default 0.1.</summary>
    public double Ki { get; init; } = 0.1;

    /// <summary>BREP: derivative gain. Key <c>reft.kd</c>, default 0.</summary>
    public double Kd { get; init; }

    // Compares Layers by content; the compiler-generated equality would compare list references.
    public bool Equals(ReftOptions? other) =>
        other is not null
        && (Layers is null ? other.Layers is null : other.Layers is not null && Layers.SequenceEqual(other.Layers))
        && R == other.R && FirstPositions == other.FirstPositions && LastPositions == other.LastPositions
        && SourcePrompt == other.SourcePrompt && GeneratedPositions == other.GeneratedPositions
        && PrefixLength == other.PrefixLength && BiasTarget.Equals(other.BiasTarget)
        && Kp.Equals(other.Kp) && Ki.Equals(other.Ki) && Kd.Equals(other.Kd);

    public override int GetHashCode() => HashCode.Combine(R, FirstPositions, LastPositions, SourcePrompt, GeneratedPositions, PrefixLength, BiasTarget);
}
