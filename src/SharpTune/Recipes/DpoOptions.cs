using SharpTune.Objectives;

namespace SharpTune.Recipes;

/// <summary>Recipe section <c>dpo</c>: settings of <c>objective: dpo</c>, named as in TRL's <c>DPOConfig</c>.</summary>
public sealed record DpoOptions
{
    /// <summary>Inverse temperature β of the implicit reward β·log(πθ/πref). Key <c>dpo.beta</c>, default 0.1.</summary>
    public double Beta { get; init; } = 0.1;

    /// <summary>Key <c>dpo.loss_type</c>. Default <see cref="DpoLossType.Sigmoid"/>.</summary>
    public DpoLossType LossType { get; init; } = DpoLossType.Sigmoid;

    /// <summary>
    /// Compute the reference log-probabilities once before training instead of at every step, which saves a
    /// forward pass per step and, for full fine-tuning, the frozen copy. Key <c>dpo.precompute_ref_log_probs</c>, default false.
    /// </summary>
    public bool PrecomputeRefLogProbs { get; init; }
}
