namespace SharpTune.Recipes;

/// <summary>
/// Recipe section <c>lora</c>: low-rank adapter settings, named as in Hugging Face PEFT's <c>LoraConfig</c>.
/// The adapter adds <c>(alpha / r) * B A x</c> to each target module's output.
/// </summary>
public sealed record LoraOptions
{
    /// <summary>Rank of the adapter matrices. Key <c>lora.r</c>, default 8.</summary>
    public int R { get; init; } = 8;

    /// <summary>Scale numerator; the update is multiplied by <c>alpha / r</c>. Key <c>lora.alpha</c>, default 16.</summary>
    public double Alpha { get; init; } = 16;

    /// <summary>Dropout probability on the adapter input, in [0, 1). Key <c>lora.dropout</c>, default 0.</summary>
    public double Dropout { get; init; }

    /// <summary>
    /// Names of the linear layers that get adapters, matched against the last part of each module name.
    /// Key <c>lora.target_modules</c>, default <c>[q_proj, v_proj]</c>, the PEFT default for Llama models.
    /// </summary>
    public IReadOnlyList<string> TargetModules { get; init; } = ["q_proj", "v_proj"];

    /// <summary>Rank-stabilised LoRA (Kalajdzievski, 2023): scale by <c>alpha / sqrt(r)</c>. Key <c>lora.use_rslora</c>, default false.</summary>
    public bool UseRsLora { get; init; }

    /// <summary>DoRA (Liu et al., 2024): a trained magnitude per output row times the adapted direction. Key <c>lora.use_dora</c>, default false.</summary>
    public bool UseDora { get; init; }

    // Compares TargetModules by content; the compiler-generated equality would compare list references.
    public bool Equals(LoraOptions? other) =>
        other is not null
        && R == other.R
        && Alpha.Equals(other.Alpha)
        && Dropout.Equals(other.Dropout)
        && UseRsLora == other.UseRsLora
        && UseDora == other.UseDora
        && TargetModules.SequenceEqual(other.TargetModules, StringComparer.Ordinal);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(R);
        hash.Add(Alpha);
        hash.Add(Dropout);
        hash.Add(UseRsLora);
        hash.Add(UseDora);
        foreach (var module in TargetModules)
            hash.Add(module, StringComparer.Ordinal);
        return hash.ToHashCode();
    }
}
