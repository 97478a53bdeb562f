using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Adapters;

/// <summary>
/// A block's output projection followed by a bottleneck adapter with a residual connection:
/// <c>y = base(x); out = y + up(act(down(y)))</c>. <c>up</c> starts at zero (weight and bias), so an untrained
/// adapter returns exactly the base output.
/// </summary>
public sealed class BottleneckAdapter : nn.Module<Tensor, Tensor>
{
    readonly AdapterNonLinearity nonLinearity;

    public nn.Module<Tensor, Tensor> base_layer;
    public Linear adapter_down;
    public Linear adapter_up;

    public BottleneckAdapter(nn.Module<Tensor, Tensor> baseLayer, long features, int bottleneckSize, AdapterNonLinearity nonLinearity,
        ScalarType dtype, Device device) : base(nameof(BottleneckAdapter))
    {
        this.nonLinearity = nonLinearity;
        base_layer = baseLayer;
        adapter_down = nn.Linear(features, bottleneckSize, hasBias: true, dtype: dtype, device: device);
        adapter_up = nn.Linear(bottleneckSize, features, hasBias: true, dtype: dtype, device: device);
        using (no_grad())
        {
            adapter_up.weight!.zero_();
            adapter_up.bias!.zero_();
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = base_layer.forward(x);                       // [b, s, features]
        var bottleneck = Activate(adapter_down.forward(y));  // [b, s, bottleneck]
        return (y + adapter_up.forward(bottleneck)).MoveToOuterDisposeScope();
    }

    Tensor Activate(Tensor x) => nonLinearity switch
    {
        AdapterNonLinearity.Gelu => nn.functional.gelu(x),
        AdapterNonLinearity.Silu => nn.functional.silu(x),
        AdapterNonLinearity.Tanh => x.tanh(),
        _ => nn.functional.relu(x),
    };
}
