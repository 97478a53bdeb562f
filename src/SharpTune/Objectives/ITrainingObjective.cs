using SharpTune.Data;
using SharpTune.Models.Llama;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Objectives;

/// <summary>
/// The loss a run minimises. The trainer sums <see cref="LossSum"/> over the micro-batches of one optimizer step and
/// divides by the total <see cref="TermCount"/>, so the loss is a mean over terms (tokens, pairs, examples) of the
/// whole accumulated batch.
/// </summary>
public interface ITrainingObjective
{
    /// <summary>Trainable parameters the objective owns (a classification or value head), with checkpoint names.</summary>
    IEnumerable<(string Name, Parameter Parameter)> ExtraParameters { get; }

    /// <summary>Number of loss terms in <paramref name="batch"/>.</summary>
    long TermCount(Batch batch);

    /// <summary>Differentiable float32 scalar: the sum of the batch's loss terms.</summary>
    Tensor LossSum(LlamaForCausalLM model, Batch batch);
}
