using SharpTune.Precision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Lora;

/// <summary>
/// A frozen linear layer plus a low-rank update: <c>y = base(x) + (alpha/r) · B(A(dropout(x)))</c>.
/// A starts as PyTorch's default linear init (Kaiming-uniform) and B at zero, so an untrained adapter
/// returns exactly the base output, as PEFT's <c>init_lora_weights=True</c> does. The base is a
/// <see cref="Linear"/> or, for QLoRA, a <see cref="Quantized4BitLinear"/>.
/// </summary>
public sealed class LoraLinear : nn.Module<Tensor, Tensor>
{
    readonly double dropoutRate;
    readonly ScalarType baseDtype;

    /// <summary>The frozen projection: a <see cref="Linear"/> or a <see cref="Quantized4BitLinear"/>.</summary>
    public nn.Module<Tensor, Tensor> base_layer;
    public Linear lora_A;
    public Linear lora_B;

    public LoraOptions Options { get; }

    public LoraLinear(Linear baseLayer, LoraOptions options)
        : this(baseLayer, baseLayer.weight!.shape[1], baseLayer.weight!.shape[0], baseLayer.weight!.dtype, baseLayer.weight!.device, options)
    {
    }

    /// <summary>Wraps a 4-bit base (QLoRA); A and B take the dtype the base had before quantization.</summary>
    public LoraLinear(Quantized4BitLinear baseLayer, LoraOptions options)
        : this(baseLayer, baseLayer.InFeatures, baseLayer.OutFeatures, baseLayer.OriginalDtype, baseLayer.Weight.Packed.device, options)
    {
    }

    LoraLinear(nn.Module<Tensor, Tensor> baseLayer, long inFeatures, long outFeatures, ScalarType dtype, Device device,
        LoraOptions options) : base(nameof(LoraLinear))
    {
        Options = options;
        dropoutRate = options.Dropout;
        baseDtype = dtype;
        base_layer = baseLayer;
        lora_A = nn.Linear(inFeatures, options.R, hasBias: false, dtype: dtype, device: device);
        lora_B = nn.Linear(options.R, outFeatures, hasBias: false, dtype: dtype, device: device);
        using (no_grad())
            lora_B.weight!.zero_();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var adapterInput = training && dropoutRate > 0 ? nn.functional.dropout(x, dropoutRate, training: true) : x;
        var update = lora_B.forward(lora_A.forward(adapterInput)) * Options.Scaling;
        return (base_layer.forward(x) + update).MoveToOuterDisposeScope();
    }

    /// <summary>Returns the dense update <c>(alpha/r) · B A</c>, <c>[out, in]</c>, in the base weight's dtype.</summary>
    public Tensor DeltaWeight()
    {
        using var scope = NewDisposeScope();
        var delta = lora_B.weight!.to(ScalarType.Float32).matmul(lora_A.weight!.to(ScalarType.Float32)) * Options.Scaling;
        return delta.to(baseDtype).MoveToOuterDisposeScope();
    }
}
