using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models.Llama;

/// <summary>Pre-norm decoder block: <c>h = x + attn(norm(x)); out = h + mlp(norm(h))</c>.</summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    readonly int layerIndex;

    public LlamaAttention self_attn;
    public LlamaMlp mlp;
    public RmsNorm input_layernorm;
    public RmsNorm post_attention_layernorm;

    public LlamaDecoderLayer(ModelConfig config, int layerIndex, ScalarType dtype) : base(nameof(LlamaDecoderLayer))
    {
        this.layerIndex = layerIndex;
        self_attn = new LlamaAttention(config, dtype);
        mlp = new LlamaMlp(config, dtype);
        input_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, dtype);
        post_attention_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, dtype);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, AttentionMask mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var h = x + self_attn.Forward(input_layernorm.forward(x), cos, sin, mask, cache, layerIndex);
        var output = h + mlp.Forward(post_attention_layernorm.forward(h));
        return output.MoveToOuterDisposeScope();
    }
}
