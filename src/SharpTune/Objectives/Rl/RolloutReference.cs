using SharpTune.Models.Llama;
using static TorchSharp.torch;

namespace SharpTune.Objectives.Rl;

/// <summary>
/// The frozen reference policy πref of the KL term. With LoRA, QLoRA or ReFT it is the policy with its adapters or
/// interventions switched off (<see cref="BaseModelScope"/>), which is exactly the base model, so no second copy is
/// held. With full fine-tuning it is a frozen copy of the start.
/// </summary>
public sealed class RolloutReference(LlamaForCausalLM? frozenCopy)
{
    /// <summary>Returns float32 <c>[n, T]</c> log πref of the response tokens, without gradients.</summary>
    public Tensor LogProbs(LlamaForCausalLM policy, RolloutBatch batch, double temperature)
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        if (frozenCopy is not null)
        {
            return RolloutForward.Run(frozenCopy, batch, temperature).LogProbs.to(policy.Device).MoveToOuterDisposeScope();
        }
        using var disabled = BaseModelScope.Enter(policy);
        return RolloutForward.Run(policy, batch, temperature).LogProbs.MoveToOuterDisposeScope();
    }
}
