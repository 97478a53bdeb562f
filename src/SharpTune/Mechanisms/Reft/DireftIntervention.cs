using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Reft;

/// <summary>
/// DiReFT (Wu et al. 2024): <c>h + W2ᵀ(W1 h + b)</c>, a low-rank edit with no orthogonality constraint.
/// W2 starts at zero, as LoRA's B does, so the untrained intervention is the identity.
/// </summary>
public sealed class DireftIntervention : ReftIntervention
{
    /// <summary>W1 <c>[r, hidden]</c> and b <c>[r]</c>.</summary>
    public Linear learned_source;
    /// <summary>W2 <c>[r, hidden]</c>, stored as a bias-free linear from r to hidden (weight <c>[hidden, r]</c> = W2ᵀ).</summary>
    public Linear proj_layer;

    public DireftIntervention(int r, long hidden, ScalarType dtype) : base(nameof(DireftIntervention))
    {
        learned_source = nn.Linear(hidden, r, hasBias: true, dtype: dtype);
        proj_layer = nn.Linear(r, hidden, hasBias: false, dtype: dtype);
        using (no_grad())
        {
            learned_source.bias!.zero_();
            proj_layer.weight!.zero_();
        }
        RegisterComponents();
    }

    public override Tensor Apply(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var low = learned_source.forward(hidden);                                   // [b, s, r]
        return (hidden + proj_layer.forward(low)).MoveToOuterDisposeScope();        // [b, s, hidden]
    }
}
