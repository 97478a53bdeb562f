using SharpTune.Data;
using SharpTune.Models.Llama;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Objectives;

/// <summary>
/// The reference of a LoRA, QLoRA or ReFT run: the policy itself with its adapters or interventions switched off
/// (<see cref="BaseModelScope"/>), which is the base model, so no second copy of the weights is held.
/// </summary>
public sealed class AdapterDisabledReference : IReferenceLogProbs
{
    public static readonly AdapterDisabledReference Instance = new();

    public Tensor LogProbs(LlamaForCausalLM policy, Batch batch)
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        using var disabled = BaseModelScope.Enter(policy);
        var logits = BatchForward.Logits(policy, batch);
        return SequenceLogProbs.Sum(logits, batch.Labels.to(policy.Device)).MoveToOuterDisposeScope();
    }
}
