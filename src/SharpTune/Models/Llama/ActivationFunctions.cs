using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models.Llama;

/// <summary>MLP activations by the names transformers' <c>ACT2FN</c> uses.</summary>
public static class ActivationFunctions
{
    /// <summary>Applies activation <paramref name="name"/> to <paramref name="x"/>.</summary>
    public static Tensor Apply(string name, Tensor x) => name switch
    {
        "silu" or "swish" => nn.functional.silu(x),
        "gelu" => nn.functional.gelu(x),
        // gelu_new, gelu_pytorch_tanh and gelu_fast are the tanh approximation 0.5 x (1 + tanh(sqrt(2/π)(x + 0.044715 x³))).
        "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => GeluTanh(x),
        "relu" => nn.functional.relu(x),
        _ => throw new NotSupportedException(
            $"Activation '{name}' is not supported; supported: silu, gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu."),
    };

    static Tensor GeluTanh(Tensor x)
    {
        using var scope = NewDisposeScope();
        var inner = (x + x.pow(3) * 0.044715) * Math.Sqrt(2.0 / Math.PI);
        return (x * 0.5 * (inner.tanh() + 1.0)).MoveToOuterDisposeScope();
    }
}
