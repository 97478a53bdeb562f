using SharpTune.Mechanisms.Lora;
using SharpTune.Mechanisms.Reft;
using SharpTune.Models.Llama;

namespace SharpTune.Objectives;

/// <summary>
/// Runs a policy as its frozen base: LoRA adapters and ReFT interventions are switched off until the scope is
/// disposed. This is the reference of every mechanism that leaves the base weights untouched, so no second copy
/// of the model is held; with a quantized base (qlora, nf4, fp4, int8) the reference is that quantized base.
/// </summary>
public sealed class BaseModelScope : IDisposable
{
    readonly IDisposable adapters;
    readonly IDisposable interventions;

    BaseModelScope(LlamaForCausalLM policy)
    {
        adapters = LoraModel.DisableAdapters(policy);
        interventions = ReftModel.DisableInterventions(policy);
    }

    public static BaseModelScope Enter(LlamaForCausalLM policy) => new(policy);

    public void Dispose()
    {
        interventions.Dispose();
        adapters.Dispose();
    }
}
