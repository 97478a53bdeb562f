using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Reft;

/// <summary>
/// Distributed interchange intervention (Geiger et al. 2023): <c>h + Rᵀ(R h_source − R h)</c> replaces the
/// projection of the base run's state onto R's row space with that of a source run at the matching position.
/// R has orthonormal rows and is the trained parameter. The source states come from the frozen model on a
/// source prompt; they are constants, not parameters.
/// </summary>
public sealed class DiiIntervention : ReftIntervention
{
    public LowRankRotation rotate_layer;

    Tensor sourceStates;

    public DiiIntervention(int r, long hidden, ScalarType dtype) : base(nameof(DiiIntervention))
    {
        rotate_layer = new LowRankRotation(r, hidden, dtype);
        sourceStates = zeros(0, hidden, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>The source run's output of this layer at each source token, <c>[source_len, hidden]</c>.</summary>
    public Tensor SourceStates => sourceStates;

    /// <summary>Replaces the stored source states with a copy of <paramref name="states"/> <c>[source_len, hidden]</c>.</summary>
    public void SetSourceStates(Tensor states)
    {
        var copy = states.detach().clone();
        copy.DetachFromDisposeScope();
        sourceStates.Dispose();
        sourceStates = copy;
    }

    /// <summary>Interchange with source states already aligned to the base positions.</summary>
    public Tensor Apply(Tensor hidden, Tensor source)
    {
        using var scope = NewDisposeScope();
        var rotation = rotate_layer.Weight();                                       // [r, hidden]
        var difference = matmul(source - hidden, rotation.t());                     // [b, s, r]
        return (hidden + matmul(difference, rotation)).MoveToOuterDisposeScope();   // [b, s, hidden]
    }

    /// <summary>Not used: DII needs aligned source states, which <see cref="ReftModel"/> passes to the other overload.</summary>
    public override Tensor Apply(Tensor hidden) =>
        throw new InvalidOperationException("DII needs source states; call Apply(hidden, source).");
}
