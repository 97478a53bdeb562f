namespace SharpTune.Mechanisms.Reft;

/// <summary>The representation fine-tuning (ReFT) interventions SharpTune implements.</summary>
public enum ReftMethod
{
    /// <summary>Low-rank linear subspace ReFT: <c>h + Rᵀ(W h + b − R h)</c> with orthonormal rows in R.</summary>
    Loreft,

    /// <summary>Direct ReFT: <c>h + W2ᵀ(W1 h + b)</c>, no orthogonality constraint.</summary>
    Direft,

    /// <summary>Distributed interchange intervention: <c>h + Rᵀ(R h_source − R h)</c>.</summary>
    Dii,

    /// <summary>Bias-restrained prefix ReFT: <c>(1 + s) ⊙ h + b</c> on the prompt and the first generated tokens.</summary>
    Brep,
}
