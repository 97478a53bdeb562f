using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Precision;

/// <summary>
/// A frozen linear projection whose weight is stored quantized, in 4 bits (<see cref="QuantizedTensor"/>) or in
/// int8 (<see cref="Int8Tensor"/>), and dequantized to the input's dtype on every forward pass, so the compute runs
/// in fp32 or bf16 while memory holds the compact codes.
/// </summary>
/// <remarks>
/// The quantized tensors are buffers, not parameters, so no optimizer or gradient ever touches them.
/// </remarks>
public sealed class QuantizedLinear : nn.Module<Tensor, Tensor>
{
    readonly IQuantizedWeight quantized;
    readonly Tensor? bias;

    /// <summary>Stores <paramref name="source"/>'s weight in 4 bits of <paramref name="type"/>, block-wise.</summary>
    public QuantizedLinear(Linear source, FourBitType type, int blockSize = BlockQuantizer.DefaultBlockSize,
        bool doubleQuantize = true) : this(source, weight => BlockQuantizer.Quantize(weight, type, blockSize, doubleQuantize))
    {
    }

    /// <summary>Stores <paramref name="source"/>'s weight in the format that <paramref name="quantize"/> produces.</summary>
    public QuantizedLinear(Linear source, Func<Tensor, IQuantizedWeight> quantize) : base(nameof(QuantizedLinear))
    {
        var weight = source.weight!;
        OriginalDtype = weight.dtype;
        quantized = quantize(weight);
        bias = source.bias?.detach().clone();
        foreach (var (name, tensor) in quantized.StoredTensors)
            register_buffer(name, tensor);
        if (bias is not null)
            register_buffer("bias", bias);
    }

    /// <summary>The weight's dtype before quantization; merging writes this dtype back.</summary>
    public ScalarType OriginalDtype { get; }

    public long InFeatures => quantized.Shape[1];
    public long OutFeatures => quantized.Shape[0];

    public IQuantizedWeight Weight => quantized;

    /// <summary>The device that holds the stored codes.</summary>
    public Device Device => quantized.StoredTensors[0].Tensor.device;

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
        var device = Device;
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
