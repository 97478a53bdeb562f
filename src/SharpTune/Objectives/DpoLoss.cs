using static TorchSharp.torch;

namespace SharpTune.Objectives;

/// <summary>The DPO loss variants, named as in TRL's <c>loss_type</c>.</summary>
public enum DpoLossType
{
    /// <summary>−log σ(β·h): the loss of Rafailov et al. (2023), "Direct Preference Optimization".</summary>
    Sigmoid,

    /// <summary>(h − 1/(2β))²: the identity preference loss of Azar et al. (2023), "A General Theoretical Paradigm to Understand Learning from Human Preferences".</summary>
    Ipo,

    /// <summary>max(0, 1 − β·h): the hinge loss of SLiC (Zhao et al., 2023).</summary>
    Hinge,
}

/// <summary>
/// Per-pair DPO losses from sequence log-probabilities, where h = (log πθ(yw|x) − log πref(yw|x)) −
/// (log πθ(yl|x) − log πref(yl|x)) and yw, yl are the chosen and rejected responses.
/// </summary>
public static class DpoLoss
{
    /// <summary>Returns the losses <c>[pairs]</c>; every argument is <c>[pairs]</c>.</summary>
    public static Tensor PerPair(Tensor policyChosen, Tensor policyRejected, Tensor referenceChosen, Tensor referenceRejected,
        double beta, DpoLossType lossType)
    {
        using var scope = NewDisposeScope();
        var h = (policyChosen - referenceChosen) - (policyRejected - referenceRejected);  // [pairs]
        var loss = lossType switch
        {
            DpoLossType.Sigmoid => -nn.functional.logsigmoid(h * beta),
            DpoLossType.Ipo => (h - 1.0 / (2 * beta)).pow(2),
            DpoLossType.Hinge => nn.functional.relu(1 - h * beta),
            _ => throw new ArgumentOutOfRangeException(nameof(lossType), lossType, null),
        };
        return loss.MoveToOuterDisposeScope();
    }
}
