using SharpTune.Data;
using SharpTune.Models.Llama;
using SharpTune.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Objectives;

/// <summary>Next-token prediction on the labelled tokens: continued pre-training and supervised fine-tuning.</summary>
public sealed class CausalLmObjective : ITrainingObjective
{
    public static readonly CausalLmObjective Instance = new();

    public IEnumerable<(string Name, Parameter Parameter)> ExtraParameters => [];

    public long TermCount(Batch batch) => batch.TargetTokenCount();

    public Tensor LossSum(LlamaForCausalLM model, Batch batch)
    {
        using var scope = NewDisposeScope();
        var logits = BatchForward.Logits(model, batch);
        return CausalLmLoss.Sum(logits, batch.Labels.to(model.Device)).MoveToOuterDisposeScope();
    }
}
