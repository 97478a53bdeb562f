using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Lora;

/// <summary>
/// A frozen linear layer plus a low-rank update: <c>y = base(x) + (alpha/r) · B(A(dropout(x)))</c>.
/// A starts as PyTorch's default linear init (Kaiming-uniform) and B at zero, so an untrained adapter
/// returns exactly the base output, as PEFT's <c>init_lora_weights=True</c> does.
/// </summary>
public sealed class LoraLinear : nn.Module<Tensor, Tensor>
{
    readonly double dropoutRate;

    public Linear base_layer;
    public Linear lora_A;
    public Linear lora_B;

    public LoraOptions Options { get; }

    public LoraLinear(Linear baseLayer, LoraOptions options) : base(nameof(LoraLinear))
    {
        Options = options;
        dropoutRate = options.Dropout;
        base_layer = baseLayer;
        var weight = baseLayer.weight!;
        long outFeatures = weight.shape[0], inFeatures = weight.shape[1];
        lora_A = nn.Linear(inFeatures, options.R, hasBias: false, dtype: weight.dtype, device: weight.device);
        lora_B = nn.Linear(options.R, outFeatures, hasBias: false, dtype: weight.dtype, device: weight.device);
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
        return delta.to(base_layer.weight!.dtype).MoveToOuterDisposeScope();
    }
}
