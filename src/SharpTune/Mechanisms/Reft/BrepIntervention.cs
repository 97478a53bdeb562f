using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Reft;

/// <summary>
/// BREP's per-layer edit <c>(1 + s) ⊙ h + b</c> with a scale offset s and a bias b, both <c>[hidden]</c> and
/// zero at the start, so the untrained intervention is the identity.
/// </summary>
/// <remarks>
/// NOTE: this follows a summary of Bias-Restrained Prefix ReFT (arXiv 2511.10707) and not the paper itself: the
/// form of the scale (a residual <c>1 + s</c>) and its per-feature shape are this implementation's reading.
/// </remarks>
public sealed class BrepIntervention : ReftIntervention
{
    public Parameter scale;
    public Parameter bias;

    public BrepIntervention(long hidden, ScalarType dtype) : base(nameof(BrepIntervention))
    {
        scale = new Parameter(zeros(hidden, dtype: dtype));
        bias = new Parameter(zeros(hidden, dtype: dtype));
        RegisterComponents();
    }

    public override Tensor Apply(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return (hidden * (scale + 1) + bias).MoveToOuterDisposeScope();            // [b, s, hidden]
    }
}
