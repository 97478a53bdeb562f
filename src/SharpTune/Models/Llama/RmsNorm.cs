using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models.Llama;

/// <summary>
/// Root-mean-square layer norm (Zhang and Sennrich, 2019): <c>w * x / sqrt(mean(x²) + eps)</c>.
/// The statistic is computed in float32 and cast back before the weight, as transformers' LlamaRMSNorm does.
/// With <c>offsetOne</c> it is Gemma's variant: the weight is stored as <c>w - 1</c> (initialised to 0), the
/// product <c>x / rms(x) * (1 + w)</c> is taken in float32, and only the result is cast back.
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    readonly double eps;
    readonly bool offsetOne;

    public Parameter weight;

    public RmsNorm(int size, double eps, ScalarType dtype, bool offsetOne = false) : base(nameof(RmsNorm))
    {
        this.eps = eps;
        this.offsetOne = offsetOne;
        weight = new Parameter(offsetOne ? zeros(size, dtype: dtype) : ones(size, dtype: dtype));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var x32 = x.to(ScalarType.Float32);
        var variance = x32.pow(2).mean([-1L], keepdim: true);
        var normalized32 = x32 * rsqrt(variance + eps);
        var output = offsetOne
            ? (normalized32 * (weight.to(ScalarType.Float32) + 1.0)).to(x.dtype)
            : weight * normalized32.to(x.dtype);
        return output.MoveToOuterDisposeScope();
    }
}
