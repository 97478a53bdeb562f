using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Precision;

/// <summary>
/// A frozen linear projection whose weight is stored in 4 bits (<see cref="QuantizedTensor"/>) and dequantized
/// to the input's dtype on every forward pass, so the compute runs in fp32 or bf16 while memory holds 4 bits.
/// </summary>
/// <remarks>
/// The quantized tensors are buffers, not parameters, so no optimizer or gradient ever touches them.
/// </remarks>
public sealed class Quantized4BitLinear : nn.Module<Tensor, Tensor>
{
    readonly QuantizedTensor quantized;
    readonly Tensor? bias;

    public Quantized4BitLinear(Linear source, FourBitType type, int blockSize = BlockQuantizer.DefaultBlockSize,
        bool doubleQuantize = true) : base(nameof(Quantized4BitLinear))
    {
        var weight = source.weight!;
        OriginalDtype = weight.dtype;
        quantized = BlockQuantizer.Quantize(weight, type, blockSize, doubleQuantize);
        bias = source.bias?.detach().clone();
        register_buffer("weight_packed", quantized.Packed);
        if (quantized.DoubleQuantized)
        {
            register_buffer("absmax_codes", quantized.AbsmaxCodes!);
            register_buffer("absmax_scales", quantized.AbsmaxScales!);
        }
        else
        {
            register_buffer("absmax", quantized.Absmax!);
        }
        if (bias is not null)
            register_buffer("bias", bias);
    }

    /// <summary>The weight's dtype before quantization; merging writes this dtype back.</summary>
    public ScalarType OriginalDtype { get; }

    public long InFeatures => quantized.Shape[1];
    public long OutFeatures => quantized.Shape[0];

    public QuantizedTensor Weight => quantized;

    public Tensor? Bias => bias;

    /// <summary>Returns the dequantized weight, <c>[out, in]</c>, in <paramref name="dtype"/>.</summary>
    public Tensor DequantizedWeight(ScalarType dtype) => quantized.Dequantize(dtype);

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var output = is_grad_enabled() && x.requires_grad
            ? DequantizedMatmul.Apply(x, quantized)
            : nn.functional.linear(x, quantized.Dequantize(x.dtype), null);
        if (bias is not null)
            output = output + bias.to(x.dtype);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>Returns a plain <see cref="Linear"/> holding the dequantized weight in <see cref="OriginalDtype"/>.</summary>
    public Linear ToLinear()
    {
        var device = quantized.Packed.device;
        var linear = nn.Linear(InFeatures, OutFeatures, hasBias: bias is not null, dtype: OriginalDtype, device: device);
        using var guard = no_grad();
        using (var weight = quantized.Dequantize(OriginalDtype))
            linear.weight!.copy_(weight);
        if (bias is not null)
            linear.bias!.copy_(bias);
        linear.weight!.requires_grad = false;
        if (linear.bias is not null)
            linear.bias.requires_grad = false;
        return linear;
    }
}
