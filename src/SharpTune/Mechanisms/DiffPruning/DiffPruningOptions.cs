namespace SharpTune.Mechanisms.DiffPruning;

/// <summary>
/// Diff pruning settings (Guo et al., 2021): each target weight becomes <c>w0 + δ</c> with δ trained and held sparse
/// by magnitude pruning on a cubic schedule (Zhu and Gupta, 2017). Recipe section <c>diff_pruning</c>.
/// </summary>
public sealed record DiffPruningOptions
{
    /// <summary>
    /// Fraction of each δ's entries held at zero by the end of the ramp; <c>1 − sparsity</c> is the nonzero budget.
    /// Key <c>diff_pruning.sparsity</c>, default 0.99.
    /// </summary>
    public double Sparsity { get; init; } = 0.99;

    /// <summary>Linear layers that get a δ. Key <c>diff_pruning.target_modules</c>, default every projection.</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = ProjectionTargets.AllLinear;

    /// <summary>
    /// Fraction of the optimizer steps over which the sparsity rises from 0 to <see cref="Sparsity"/>; pruning
    /// happens after every step until then and keeps the budget after. Key <c>diff_pruning.ramp_fraction</c>, default 0.5.
    /// </summary>
    public double RampFraction { get; init; } = 0.5;

    // Compares TargetModules by content; the compiler-generated equality would compare list references.
    public bool Equals(DiffPruningOptions? other) =>
        other is not null && Sparsity.Equals(other.Sparsity) && RampFraction.Equals(other.RampFraction)
        && TargetModules.SequenceEqual(other.TargetModules, StringComparer.Ordinal);

    public override int GetHashCode() =>
        TargetModules.Aggregate(HashCode.Combine(Sparsity, RampFraction), (hash, name) => HashCode.Combine(hash, name));
}
