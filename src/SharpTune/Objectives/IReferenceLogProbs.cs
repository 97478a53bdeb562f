using SharpTune.Data;
using SharpTune.Models.Llama;
using static TorchSharp.torch;

namespace SharpTune.Objectives;

/// <summary>The frozen reference policy of DPO: sequence log-probabilities of a batch's rows under πref.</summary>
public interface IReferenceLogProbs
{
    /// <summary>Returns <c>[rows]</c> float32 log πref(response|prompt), without gradients.</summary>
    Tensor LogProbs(LlamaForCausalLM policy, Batch batch);
}
