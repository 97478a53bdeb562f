using SharpTune.Data;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using SharpTune.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Reft;

/// <summary>
/// BREP's training loss: next-token loss on only the first <c>prefixLength</c> response tokens of each example
/// (a truncated response prefix), plus, in training mode, <c>λ · Σ_layers ‖b‖²</c> where a PID controller sets λ
/// from the distance between the total bias norm <c>sqrt(Σ ‖b‖²)</c> and its target.
/// </summary>
/// <remarks>
/// The controller steps once per micro-batch, so with gradient accumulation it steps several times per
/// optimizer step. Evaluation (eval mode) reports the truncated next-token loss without the penalty.
/// NOTE: read from a summary of arXiv 2511.10707, not the paper: the squared-norm penalty, the total norm as the
/// controlled value and the clamped integral are this implementation's choices.
/// </remarks>
public sealed class BrepObjective(ReftModel reft, int prefixLength, PidController controller) : ITrainingObjective
{
    public IEnumerable<(string Name, Parameter Parameter)> ExtraParameters => [];

    public PidController Controller => controller;

    /// <summary>The total bias norm measured at the latest training micro-batch.</summary>
    public double LastBiasNorm { get; private set; }

    public long TermCount(Batch batch)
    {
        using var scope = NewDisposeScope();
        var labels = TruncatedLabels(batch);
        return labels.narrow(1, 1, labels.shape[1] - 1).ne(Batch.IgnoreIndex).sum().item<long>();
    }

    public Tensor LossSum(LlamaForCausalLM model, Batch batch)
    {
        using var scope = NewDisposeScope();
        var logits = BatchForward.Logits(model, batch);
        var loss = CausalLmLoss.Sum(logits, TruncatedLabels(batch).to(model.Device));
        if (model.training)
        {
            var squaredNorm = stack(reft.ByLayer.Values.Cast<BrepIntervention>()
                .Select(b => b.bias.pow(2).sum()).ToArray()).sum();
            LastBiasNorm = Math.Sqrt(squaredNorm.item<float>());
            double weight = controller.Update(LastBiasNorm);
            // The trainer divides by the step's target-token count, so scaling by this batch's count adds λ·Σ‖b‖² once per step.
            loss = loss + squaredNorm.to(ScalarType.Float32) * (weight * TermCount(batch));
        }
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Returns the labels <c>[b, s]</c> with every response token after the first <c>prefixLength</c> ignored.</summary>
    Tensor TruncatedLabels(Batch batch)
    {
        using var scope = NewDisposeScope();
        using var positions = PromptPositions.FromBatch(batch);
        var keep = positions.ResponseIndex.ge(0) & positions.ResponseIndex.lt(prefixLength);
        return where(keep, batch.Labels, full_like(batch.Labels, Batch.IgnoreIndex)).MoveToOuterDisposeScope();
    }
}
