using SharpTune.Data;
using SharpTune.Models.Llama;
using SharpTune.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Objectives;

/// <summary>
/// ORPO (Hong et al., 2024, "ORPO: Monolithic Preference Optimization without Reference Model"): per pair,
/// NLL(yw) − λ·log σ(log odds(yw) − log odds(yl)), with odds(y) = p/(1 − p) and p = exp(mean token log-prob of y).
/// </summary>
/// <remarks>
/// The NLL term is the chosen response's mean token loss, taken per pair, so the loss stays a mean over pairs and
/// gradient accumulation gives the same step as one large batch. TRL instead averages it over all chosen tokens
/// of a batch.
/// </remarks>
public sealed class OrpoObjective(double lambda) : ITrainingObjective
{
    public IEnumerable<(string Name, Parameter Parameter)> ExtraParameters => [];

    public long TermCount(Batch batch) => batch.InputIds.shape[0] / 2;

    public Tensor LossSum(LlamaForCausalLM model, Batch batch)
    {
        using var scope = NewDisposeScope();
        var (chosen, rejected) = PairMeans.Of(model, batch);   // [pairs] mean token log-probs, both < 0
        return Loss(chosen, rejected, lambda).sum().MoveToOuterDisposeScope();
    }

    /// <summary>Returns per-pair losses <c>[pairs]</c> from mean token log-probabilities of the chosen and rejected responses.</summary>
    public static Tensor Loss(Tensor chosenMean, Tensor rejectedMean, double lambda)
    {
        using var scope = NewDisposeScope();
        // log odds = log p − log(1 − p), and log1p(−exp(x)) is log(1 − p) for x = log p. A response with p = 1
        // would make that −∞, so p is capped just below 1.
        var logNotChosen = log1p(-chosenMean.clamp_max(-1e-6).exp());
        var logNotRejected = log1p(-rejectedMean.clamp_max(-1e-6).exp());
        var logOdds = (chosenMean - rejectedMean) - (logNotChosen - logNotRejected);
        return (-chosenMean - lambda * nn.functional.logsigmoid(logOdds)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// SimPO (Meng et al., 2024, "SimPO: Simple Preference Optimization with a Reference-Free Reward"): per pair,
/// −log σ(β·(mean log πθ(yw) − mean log πθ(yl)) − γ), with length-normalised log-probabilities and a target margin γ.
/// </summary>
public sealed class SimpoObjective(double beta, double gamma) : ITrainingObjective
{
    public IEnumerable<(string Name, Parameter Parameter)> ExtraParameters => [];

    public long TermCount(Batch batch) => batch.InputIds.shape[0] / 2;

    public Tensor LossSum(LlamaForCausalLM model, Batch batch)
    {
        using var scope = NewDisposeScope();
        var (chosen, rejected) = PairMeans.Of(model, batch);
        return Loss(chosen, rejected, beta, gamma).sum().MoveToOuterDisposeScope();
    }

    /// <summary>Returns per-pair losses <c>[pairs]</c> from mean token log-probabilities.</summary>
    public static Tensor Loss(Tensor chosenMean, Tensor rejectedMean, double beta, double gamma)
    {
        using var scope = NewDisposeScope();
        return (-nn.functional.logsigmoid(beta * (chosenMean - rejectedMean) - gamma)).MoveToOuterDisposeScope();
    }
}

/// <summary>Mean token log-probabilities of the chosen (even) and rejected (odd) rows of a preference batch.</summary>
static class PairMeans
{
    public static (Tensor Chosen, Tensor Rejected) Of(LlamaForCausalLM model, Batch batch)
    {
        using var scope = NewDisposeScope();
        var labels = batch.Labels.to(model.Device);
        var sums = SequenceLogProbs.Sum(BatchForward.Logits(model, batch), labels);                 // [rows]
        var counts = labels.narrow(1, 1, labels.shape[1] - 1).ne(Batch.IgnoreIndex).sum(1).clamp_min(1); // [rows]
        var means = sums / counts.to(ScalarType.Float32);
        var even = arange(0, means.shape[0], 2, device: means.device);
        return (means.index_select(0, even).MoveToOuterDisposeScope(), means.index_select(0, even + 1).MoveToOuterDisposeScope());
    }
}
