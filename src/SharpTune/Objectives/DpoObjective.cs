using SharpTune.Data;
using SharpTune.Models.Llama;
using SharpTune.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Objectives;

/// <summary>
/// Direct preference optimization on batches from <see cref="PreferenceBatchSource"/>: rows 2i and 2i+1 are the
/// chosen and rejected responses of pair i. One loss term per pair; see <see cref="DpoLoss"/> for the loss.
/// </summary>
public sealed class DpoObjective(double beta, DpoLossType lossType, IReferenceLogProbs reference) : ITrainingObjective
{
    public double Beta => beta;

    public IEnumerable<(string Name, Parameter Parameter)> ExtraParameters => [];

    public long TermCount(Batch batch) => batch.InputIds.shape[0] / 2;

    public Tensor LossSum(LlamaForCausalLM model, Batch batch)
    {
        using var scope = NewDisposeScope();
        var (policyChosen, policyRejected, referenceChosen, referenceRejected) = PairLogProbs(model, batch);
        return DpoLoss.PerPair(policyChosen, policyRejected, referenceChosen, referenceRejected, beta, lossType)
            .sum().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Returns the implicit rewards β(log πθ − log πref) of the chosen and rejected responses, each <c>[pairs]</c>,
    /// without gradients.
    /// </summary>
    public (Tensor Chosen, Tensor Rejected) Rewards(LlamaForCausalLM model, Batch batch)
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        var (policyChosen, policyRejected, referenceChosen, referenceRejected) = PairLogProbs(model, batch);
        var chosen = (policyChosen - referenceChosen) * beta;
        var rejected = (policyRejected - referenceRejected) * beta;
        return (chosen.MoveToOuterDisposeScope(), rejected.MoveToOuterDisposeScope());
    }

    (Tensor PolicyChosen, Tensor PolicyRejected, Tensor ReferenceChosen, Tensor ReferenceRejected) PairLogProbs(
        LlamaForCausalLM model, Batch batch)
    {
        if (batch.InputIds.shape[0] % 2 != 0)
            throw new ArgumentException("a preference batch holds chosen and rejected rows in pairs, so its row count must be even", nameof(batch));
        var policy = SequenceLogProbs.Sum(BatchForward.Logits(model, batch), batch.Labels.to(model.Device)); // [2 * pairs]
        var referenceLogProbs = reference.LogProbs(model, batch);                                           // [2 * pairs]
        var even = arange(0, policy.shape[0], 2, device: policy.device);
        var odd = even + 1;
        return (policy.index_select(0, even), policy.index_select(0, odd),
            referenceLogProbs.index_select(0, even), referenceLogProbs.index_select(0, odd));
    }
}
