using SharpTune.Objectives;

namespace SharpTune.Recipes;

/// <summary>Recipe section <c>dpo</c>: settings of <c>objective: dpo</c>, named as in TRL's <c>DPOConfig</c>.</summary>
public sealed record DpoOptions
{
    /// <summary>
    /// Inverse temperature β of the implicit reward β·log(πθ/πref); for orpo the weight λ of the odds-ratio term,
    /// for simpo the β of the length-normalised reward. Key <c>dpo.beta</c>, default 0.1.
    /// </summary>
    public double Beta { get; init; } = 0.1;

    /// <summary>Key <c>dpo.loss_type</c>. Default <see cref="DpoLossType.Sigmoid"/>.</summary>
    public DpoLossType LossType { get; init; } = DpoLossType.Sigmoid;

    /// <summary>
    /// Compute the reference log-probabilities once before training instead of at every step, which saves a
    /// forward pass per step and, for full fine-tuning, the frozen copy. Key <c>dpo.precompute_ref_log_probs</c>, default false.
    /// </summary>
    public bool PrecomputeRefLogProbs { get; init; }

    /// <summary>SimPO's target reward margin γ, in the units of β times a mean token log-probability. Key <c>dpo.simpo_gamma</c>, default 0.5 (TRL's default).</summary>
    public double SimpoGamma { get; init; } = 0.5;
}
