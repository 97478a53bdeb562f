using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models.Llama;

/// <summary>
/// Root-mean-square layer norm (Zhang and Sennrich, 2019): <c>w * x / sqrt(mean(x²) + eps)</c>.
/// The statistic is computed in float32 and cast back before the weight, as transformers' LlamaRMSNorm does.
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    readonly double eps;

    public Parameter weight;

    public RmsNorm(int size, double eps, ScalarType dtype) : base(nameof(RmsNorm))
    {
        this.eps = eps;
        weight = new Parameter(ones(size, dtype: dtype));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var x32 = x.to(ScalarType.Float32);
        var variance = x32.pow(2).mean([-1L], keepdim: true);
        var normalized = (x32 * rsqrt(variance + eps)).to(x.dtype);
        return (weight * normalized).MoveToOuterDisposeScope();
    }
}
