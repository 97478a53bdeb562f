using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Reft;

/// <summary>
/// LoReFT (Wu et al. 2024, "ReFT: Representation Finetuning for Language Models"): <c>h + Rᵀ(W h + b − R h)</c>,
/// which sets the projection of h onto R's row space to the learned value <c>W h + b</c>.
/// </summary>
/// <remarks>
/// W starts equal to R and b at zero, so the untrained intervention is the identity. pyreft starts W from a
/// random linear layer instead, which changes the output before training.
/// </remarks>
public sealed class LoreftIntervention : ReftIntervention
{
    public LowRankRotation rotate_layer;
    /// <summary>The learned source <c>W h + b</c>: weight <c>[r, hidden]</c>, bias <c>[r]</c>.</summary>
    public Linear learned_source;

    public LoreftIntervention(int r, long hidden, ScalarType dtype) : base(nameof(LoreftIntervention))
    {
        rotate_layer = new LowRankRotation(r, hidden, dtype);
        learned_source = nn.Linear(hidden, r, hasBias: true, dtype: dtype);
        using (no_grad())
        {
            using var start = rotate_layer.Weight();
            learned_source.weight!.copy_(start);
            learned_source.bias!.zero_();
        }
        RegisterComponents();
    }

    public override Tensor Apply(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var rotation = rotate_layer.Weight();                                       // [r, hidden]
        // W h + b − R h as (W − R) h + b: with W equal to R this is exactly zero, so the untrained edit is exact.
        var delta = nn.functional.linear(hidden, learned_source.weight! - rotation, learned_source.bias!);   // [b, s, r]
        return (hidden + matmul(delta, rotation)).MoveToOuterDisposeScope();        // [b, s, hidden]
    }
}
