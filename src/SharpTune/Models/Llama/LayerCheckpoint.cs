using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models.Llama;

/// <summary>
/// Gradient checkpointing for one decoder layer (Chen et al., 2016, "Training Deep Nets with Sublinear Memory
/// Cost"). The forward pass runs without building a graph and keeps only the layer's input. Backward runs the
/// layer again with gradients on and backpropagates through that second pass, so activation memory inside the
/// layer is traded for one extra forward per layer.
/// </summary>
/// <remarks>
/// Like PyTorch's reentrant <c>torch.utils.checkpoint</c>, the recomputed pass calls backward itself, so gradients
/// reach the layer's trainable parameters (LoRA) through <c>.grad</c> and the input through the returned gradient.
/// The CPU random state is saved and restored so dropout draws the same mask twice.
/// NOTE: only the CPU generator is restored; on CUDA a layer with dropout would draw a different mask on recompute.
/// NOTE: on the CPU, a 4-layer LoRA step (4 × 512 tokens) measured a higher peak resident set with checkpointing
/// (585 MiB against 515 MiB); docs/memory.md has the figures, and the cause is not yet known.
/// </remarks>
internal sealed class LayerCheckpoint : autograd.SingleTensorFunction<LayerCheckpoint>
{
    public override string Name => nameof(LayerCheckpoint);

    /// <summary>Runs <paramref name="layer"/> on <paramref name="hidden"/> <c>[b, s, hidden]</c> with checkpointing.</summary>
    public static Tensor Apply(LlamaDecoderLayer layer, Tensor hidden, Tensor? cos, Tensor? sin, AttentionMask mask)
    {
        // Families with learned positions (GPT-2) have no rotary tables; empty tensors stand in for them.
        cos ??= empty(0, device: hidden.device);
        sin ??= empty(0, device: hidden.device);
        // The function's output needs a graph edge even when the input is frozen (embeddings of a LoRA model),
        // or the adapters of this layer would get no gradient. A detached copy that requires grad gives one.
        var input = hidden.requires_grad ? hidden : hidden.detach().requires_grad_(true);
        return apply(input, layer, cos, sin, mask);
    }

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var hidden = (Tensor)vars[0];
        var layer = (LlamaDecoderLayer)vars[1];
        var cos = (Tensor)vars[2];
        var sin = (Tensor)vars[3];
        var mask = (AttentionMask)vars[4];
        // Saved tensors stay alive after the model's dispose scope ends; the mask tensor must be one of them.
        ctx.save_for_backward(mask.Mask is null ? [hidden, cos, sin] : [hidden, cos, sin, mask.Mask]);
        ctx.save_data("layer", layer);
        ctx.save_data("is_causal", mask.IsCausal);
        // The context's data store rejects tensors, so the generator state travels as bytes.
        using (var rng = torch.random.get_rng_state())
            ctx.save_data("rng", rng.data<byte>().ToArray());
        return layer.Forward(hidden, OrNull(cos), OrNull(sin), mask, cache: null); // Runs with autograd off: no activations kept.
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var saved = ctx.get_saved_variables();
        var layer = (LlamaDecoderLayer)ctx.get_data("layer");
        var mask = new AttentionMask(saved.Count > 3 ? saved[3] : null, (bool)ctx.get_data("is_causal"));
        using var forwardRng = tensor((byte[])ctx.get_data("rng"), dtype: ScalarType.Byte);
        using var backwardRng = torch.random.get_rng_state();

        Tensor inputGrad;
        using (var scope = NewDisposeScope())
        using (var grad = enable_grad())
        {
            var input = saved[0].detach().requires_grad_(true);
            torch.random.set_rng_state(forwardRng);
            var output = layer.Forward(input, OrNull(saved[1]), OrNull(saved[2]), mask, cache: null); // [b, s, hidden]
            torch.random.set_rng_state(backwardRng);
            autograd.backward([output], [grad_output]);
            inputGrad = input.grad!.detach().clone().MoveToOuterDisposeScope();
        }
        // One entry per argument of apply: the hidden state, then the layer, cos, sin and mask, which get none.
        return [inputGrad, null!, null!, null!, null!];
    }

    static Tensor? OrNull(Tensor table) => table.numel() == 0 ? null : table;
}
