using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.DiffPruning;

/// <summary>
/// A frozen linear layer plus a trained difference: <c>y = x (W0 + δ ⊙ mask)ᵀ + b</c>. δ starts at zero, so an
/// untrained layer returns exactly the base output. The binary mask keeps pruned entries at zero.
/// </summary>
public sealed class DiffLinear : nn.Module<Tensor, Tensor>
{
    public Linear base_layer;
    /// <summary>δ, <c>[out, in]</c>.</summary>
    public Parameter diff_weight;
    /// <summary>1 where δ may be nonzero, <c>[out, in]</c>; a buffer, not trained.</summary>
    public Tensor mask;

    public DiffLinear(Linear baseLayer) : base(nameof(DiffLinear))
    {
        base_layer = baseLayer;
        var weight = baseLayer.weight!;
        diff_weight = new Parameter(zeros_like(weight));
        mask = ones_like(weight);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var weight = base_layer.weight! + diff_weight * mask;                // [out, in]
        return nn.functional.linear(x, weight, base_layer.bias).MoveToOuterDisposeScope();
    }

    /// <summary>Keeps the <paramref name="keep"/> entries of δ with the largest magnitude and zeroes the rest of δ.</summary>
    public void Prune(long keep)
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        long count = diff_weight.numel();
        keep = Math.Clamp(keep, 0, count);
        var magnitude = (diff_weight * mask).abs().flatten();
        var newMask = zeros(count, dtype: mask.dtype, device: mask.device);
        if (keep > 0)
            newMask.index_fill_(0, magnitude.topk((int)keep).indexes, 1.0);
        mask.copy_(newMask.view_as(mask));
        diff_weight.mul_(mask);
    }

    /// <summary>Number of nonzero entries of δ ⊙ mask.</summary>
    public long NonzeroCount()
    {
        using var guard = no_grad();
        using var product = diff_weight * mask;
        using var nonzero = product.ne(0);
        using var sum = nonzero.sum();
        return sum.item<long>();
    }
}
