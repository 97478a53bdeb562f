using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Precision;

/// <summary>
/// <c>y = x Wᵀ</c> for a quantized <c>W</c> that is dequantized in the forward pass and again in backward, so autograd
/// never keeps the full-precision weight alive between the two passes (bitsandbytes' <c>MatMul4Bit</c> does the
/// same). The weight is frozen, so backward returns only the input gradient <c>grad_y W</c>.
/// </summary>
internal sealed class DequantizedMatmul : autograd.SingleTensorFunction<DequantizedMatmul>
{
    public override string Name => nameof(DequantizedMatmul);

    /// <summary>Returns <c>x Wᵀ</c>, <c>[..., out]</c>, for <paramref name="x"/> <c>[..., in]</c>.</summary>
    public static Tensor Apply(Tensor x, IQuantizedWeight weight) => apply(x, weight);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var weight = (IQuantizedWeight)vars[1];
        ctx.save_data("weight", weight);
        ctx.save_data("dtype", x.dtype);
        using var dequantized = weight.Dequantize(x.dtype); // [out, in]
        return x.matmul(dequantized.t());
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var weight = (IQuantizedWeight)ctx.get_data("weight");
        var dtype = (ScalarType)ctx.get_data("dtype");
        using var dequantized = weight.Dequantize(dtype); // [out, in]
        return [grad_output.matmul(dequantized), null!];
    }
}
