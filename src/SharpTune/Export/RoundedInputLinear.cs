using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Export;

/// <summary>
/// A linear projection whose input rows are first rounded through a ggml type, as ggml's CPU backend converts
/// activations to the weight's <c>vec_dot_type</c> before a matrix product (q8_0 blocks for q8_0 and q4_0 weights).
/// </summary>
public sealed class RoundedInputLinear : nn.Module<Tensor, Tensor>
{
    readonly Linear linear;

    public RoundedInputLinear(Linear linear, GgmlType inputType) : base(nameof(RoundedInputLinear))
    {
        this.linear = linear;
        InputType = inputType;
        register_module("linear", linear);
    }

    /// <summary>The type the input is rounded through.</summary>
    public GgmlType InputType { get; }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return linear.forward(GgmlRounding.RoundTrip(x, InputType)).MoveToOuterDisposeScope();
    }
}
