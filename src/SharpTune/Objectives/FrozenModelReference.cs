using SharpTune.Data;
using SharpTune.Models.Llama;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Objectives;

/// <summary>The reference of a full fine-tuning run: a separate frozen model, normally a copy of the starting weights.</summary>
public sealed class FrozenModelReference(LlamaForCausalLM reference) : IReferenceLogProbs
{
    public Tensor LogProbs(LlamaForCausalLM policy, Batch batch)
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        var logits = BatchForward.Logits(reference, batch);
        return SequenceLogProbs.Sum(logits, batch.Labels.to(reference.Device)).to(policy.Device).MoveToOuterDisposeScope();
    }
}
