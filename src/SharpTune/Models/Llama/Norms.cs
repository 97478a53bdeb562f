using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models.Llama;

/// <summary>Builds the normalisation layer a family uses, with Hugging Face parameter names (weight, and bias for LayerNorm).</summary>
public static class Norms
{
    /// <summary>A norm over the last dimension of size <paramref name="size"/> as <paramref name="config"/> selects.</summary>
    public static nn.Module<Tensor, Tensor> Create(ModelConfig config, int size, ScalarType dtype) => config.NormKind switch
    {
        NormKind.Layer => nn.LayerNorm(size, config.RmsNormEps, dtype: dtype),
        NormKind.RmsOffsetOne => new RmsNorm(size, config.RmsNormEps, dtype, offsetOne: true),
        _ => new RmsNorm(size, config.RmsNormEps, dtype),
    };
}
