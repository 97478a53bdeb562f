using static TorchSharp.torch;

namespace SharpTune.Models.Llama;

/// <summary>
/// An extension point that may rewrite the residual stream after each decoder layer, as representation
/// fine-tuning (ReFT) interventions do. <see cref="LlamaModel.HiddenStateHook"/> contains at most one.
/// </summary>
public interface IHiddenStateHook
{
    /// <summary>
    /// Returns the hidden states <c>[batch, seq, hidden]</c> that enter the layer after <paramref name="layer"/>
    /// (or the final norm). Returning <paramref name="hidden"/> itself leaves the layer's output unchanged.
    /// </summary>
    /// <param name="layer">Index of the decoder layer whose output <paramref name="hidden"/> is.</param>
    /// <param name="hidden">The layer's output <c>[batch, seq, hidden]</c>.</param>
    /// <param name="positions">Where each token sits relative to its row's prompt, or null when the caller passed none.</param>
    Tensor AfterLayer(int layer, Tensor hidden, PromptPositions? positions);
}
