namespace SharpTune.Mechanisms.BitFit;

/// <summary>
/// BitFit settings (Ben Zaken et al., 2022): only the bias terms of the target linears train.
/// Recipe section <c>bitfit</c>.
/// </summary>
public sealed record BitFitOptions
{
    /// <summary>Linear layers whose biases train. Key <c>bitfit.target_modules</c>, default every projection.</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = ProjectionTargets.AllLinear;

    // Compares TargetModules by content; the compiler-generated equality would compare list references.
    public bool Equals(BitFitOptions? other) =>
        other is not null && TargetModules.SequenceEqual(other.TargetModules, StringComparer.Ordinal);

    public override int GetHashCode() => TargetModules.Aggregate(0, (hash, name) => HashCode.Combine(hash, name));
}
