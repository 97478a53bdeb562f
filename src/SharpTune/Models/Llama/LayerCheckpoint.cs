using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models.Llama;

/// <summary>
/// Gradient checkpointing for one decoder layer (Chen et al., 2016, "Training Deep Nets with Sublinear Memory
/// Cost"): the forward pass runs without building a graph and keeps only the layer's input; backward runs the
/// layer again with gradients on and backpropagates through that second pass. Memory for activations inside the
/// layer is traded for one extra forward per layer.
/// </summary>
/// <remarks>
/// Like PyTorch's reentrant <c>torch.utils.checkpoint</c>, the recomputed pass calls backward itself, so gradients
/// reach the layer's trainable parameters (LoRA) through <c>.grad</c> and the input through the returned gradient.
/// The CPU random state is saved and restored so dropout draws the same mask twice.
/// NOTE: only the CPU generator is restored; on CUDA a layer with dropout would draw a different mask on recompute.
/// </remarks>
internal sealed class LayerCheckpoint : autograd.SingleTensorFunction<LayerCheckpoint>
{
    public override string Name => nameof(LayerCheckpoint);

    /// <summary>Runs <paramref name="layer"/> on <paramref name="hidden"/> <c>[b, s, hidden]</c> with checkpointing.</summary>
    public static Tensor Apply(LlamaDecoderLayer layer, Tensor hidden, Tensor cos, Tensor sin, AttentionMask mask)
    {
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
        ctx.save_for_backward([hidden, cos, sin]);
        ctx.save_data("layer", layer);
        ctx.save_data("mask", mask);
        // The context's data store rejects tensors, so the generator state travels as bytes.
        using (var rng = torch.random.get_rng_state())
            ctx.save_data("rng", rng.data<byte>().ToArray());
        return layer.Forward(hidden, cos, sin, mask, cache: null); // Runs with autograd off: no activations kept.
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var saved = ctx.get_saved_variables();
        var layer = (LlamaDecoderLayer)ctx.get_data("layer");
        var mask = (AttentionMask)ctx.get_data("mask");
        using var forwardRng = tensor((byte[])ctx.get_data("rng"), dtype: ScalarType.Byte);
        using var backwardRng = torch.random.get_rng_state();

        Tensor inputGrad;
        using (var scope = NewDisposeScope())
        using (var grad = enable_grad())
        {
            var input = saved[0].detach().requires_grad_(true);
            torch.random.set_rng_state(forwardRng);
            var output = layer.Forward(input, saved[1], saved[2], mask, cache: null); // [b, s, hidden]
            torch.random.set_rng_state(backwardRng);
            autograd.backward([output], [grad_output]);
            inputGrad = input.grad!.detach().clone().MoveToOuterDisposeScope();
        }
        // One entry per argument of apply: the hidden state, then the layer, cos, sin and mask, which get none.
        return [inputGrad, null!, null!, null!, null!];
    }
}
