using SharpTune.Precision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Lora;

/// <summary>
/// A frozen linear layer plus a low-rank update: <c>y = base(x) + (alpha/r) · B(A(dropout(x)))</c>.
/// A starts as PyTorch's default linear init (Kaiming-uniform) and B at zero, so an untrained adapter
/// returns exactly the base output, as PEFT's <c>init_lora_weights=True</c> does.
/// With <see cref="LoraOptions.UseDora"/> the layer is DoRA (Liu et al., 2024) as PEFT implements it: the adapted
/// weight <c>W + ΔW</c> is split into a trainable magnitude vector <c>m</c> (one entry per output row, initialised to
/// the row norms of W) and a direction, <c>W' = m · (W + ΔW) / ‖W + ΔW‖_row</c>, with the norm detached from the
/// gradient as the DoRA paper (section 4.3) and PEFT do.
/// The base is a <see cref="Linear"/> or, for QLoRA, a <see cref="QuantizedLinear"/>.
/// </summary>
public sealed class LoraLinear : nn.Module<Tensor, Tensor>
{
    readonly double dropoutRate;
    readonly ScalarType baseDtype;

    /// <summary>The frozen projection: a <see cref="Linear"/> or a <see cref="QuantizedLinear"/>.</summary>
    public nn.Module<Tensor, Tensor> base_layer;
    public Linear lora_A;
    public Linear lora_B;
    /// <summary>DoRA's magnitude vector <c>[out]</c>; null for plain LoRA.</summary>
    public Parameter? lora_magnitude_vector;

    public LoraOptions Options { get; }

    /// <summary>
    /// When true the layer returns exactly the base output, as PEFT's <c>disable_adapter()</c> does; DPO and RLHF use
    /// it to get the reference model's outputs without a second copy of the weights.
    /// </summary>
    public bool Disabled { get; set; }

    public LoraLinear(Linear baseLayer, LoraOptions options)
        : this(baseLayer, baseLayer.weight!.shape[1], baseLayer.weight!.shape[0], baseLayer.weight!.dtype, baseLayer.weight!.device, options)
    {
    }

    /// <summary>Wraps a 4-bit base (QLoRA); A and B take the dtype the base had before quantization.</summary>
    public LoraLinear(QuantizedLinear baseLayer, LoraOptions options)
        : this(baseLayer, baseLayer.InFeatures, baseLayer.OutFeatures, baseLayer.OriginalDtype, baseLayer.Device, options)
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
        if (options.UseDora)
        {
            using var scope = NewDisposeScope();
            var weight = BaseWeight();
            var norm = WeightNorm(weight.to(ScalarType.Float32)).to(dtype);
            lora_magnitude_vector = new Parameter(norm.MoveToOuterDisposeScope());
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (Disabled)
            return base_layer.forward(x);
        using var scope = NewDisposeScope();
        var adapterInput = training && dropoutRate > 0 ? nn.functional.dropout(x, dropoutRate, training: true) : x;
        var update = lora_B.forward(lora_A.forward(adapterInput)) * Options.Scaling;    // [..., out]
        if (lora_magnitude_vector is null)
            return (base_layer.forward(x) + update).MoveToOuterDisposeScope();

        // DoRA: out = base(x) + (s - 1) · x Wᵀ + s · update, with s = m / ‖W + ΔW‖_row, which equals
        // s · (W + ΔW) x plus the base bias. Like PEFT, the (s - 1) term sees the dropped-out input.
        var adapted = AdaptedWeight();                                                   // [out, in], float32
        var scale = (lora_magnitude_vector.to(ScalarType.Float32) / WeightNorm(adapted).detach()).to(x.dtype); // [out]
        var baseWithoutBias = nn.functional.linear(adapterInput, BaseWeight().to(x.dtype));
        var output = base_layer.forward(x) + (scale - 1) * baseWithoutBias + scale * update;
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>Returns <c>W + (alpha/r) · B A</c> in float32, <c>[out, in]</c>.</summary>
    Tensor AdaptedWeight()
    {
        using var scope = NewDisposeScope();
        var delta = lora_B.weight!.to(ScalarType.Float32).matmul(lora_A.weight!.to(ScalarType.Float32)) * Options.Scaling;
        return (BaseWeight().to(ScalarType.Float32) + delta).MoveToOuterDisposeScope();
    }

    /// <summary>The base weight <c>[out, in]</c> as a dense tensor; a 4-bit base is dequantized to its original dtype.</summary>
    Tensor BaseWeight() => base_layer switch
    {
        Linear linear => linear.weight!,
        QuantizedLinear quantized => quantized.DequantizedWeight(baseDtype),
        _ => throw new InvalidOperationException($"Unsupported LoRA base layer {base_layer.GetType().Name}."),
    };

    /// <summary>L2 norm of each row (output feature) of a weight <c>[out, in]</c>, <c>[out]</c>.</summary>
    static Tensor WeightNorm(Tensor weight) => linalg.vector_norm(weight, 2, [1L]);

    /// <summary>
    /// Returns the dense update that merging adds to the base weight, <c>[out, in]</c>, in the base weight's dtype:
    /// <c>(alpha/r) · B A</c>, or for DoRA <c>m · (W + ΔW) / ‖W + ΔW‖_row − W</c>.
    /// </summary>
    public Tensor DeltaWeight()
    {
        using var scope = NewDisposeScope();
        if (lora_magnitude_vector is not null)
        {
            var adapted = AdaptedWeight();
            var scale = lora_magnitude_vector.to(ScalarType.Float32) / WeightNorm(adapted);
            var merged = adapted * scale.unsqueeze(1) - BaseWeight().to(ScalarType.Float32);
            return merged.to(baseDtype).MoveToOuterDisposeScope();
        }
        var delta = lora_B.weight!.to(ScalarType.Float32).matmul(lora_A.weight!.to(ScalarType.Float32)) * Options.Scaling;
        return delta.to(baseDtype).MoveToOuterDisposeScope();
    }
}
