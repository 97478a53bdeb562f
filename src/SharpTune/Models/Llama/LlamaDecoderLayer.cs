using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models.Llama;

/// <summary>
/// One pre-norm decoder block: <c>h = x + attn(norm(x)); out = h + mlp(norm(h))</c>. Gemma adds a norm on each
/// branch output: <c>h = x + post_attention_norm(attn(input_norm(x))); out = h + post_ff_norm(mlp(pre_ff_norm(h)))</c>.
/// </summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    readonly int layerIndex;

    public LlamaAttention self_attn;
    public LlamaMlp mlp;
    public nn.Module<Tensor, Tensor> input_layernorm;
    public nn.Module<Tensor, Tensor> post_attention_layernorm;
    /// <summary>Gemma's norm before the MLP, or null.</summary>
    public nn.Module<Tensor, Tensor>? pre_feedforward_layernorm;
    /// <summary>Gemma's norm on the MLP output, or null.</summary>
    public nn.Module<Tensor, Tensor>? post_feedforward_layernorm;

    public LlamaDecoderLayer(ModelConfig config, int layerIndex, ScalarType dtype) : base(nameof(LlamaDecoderLayer))
    {
        this.layerIndex = layerIndex;
        var names = config.Names;
        input_layernorm = Norms.Create(config, config.HiddenSize, dtype);
        self_attn = new LlamaAttention(config, dtype);
        post_attention_layernorm = Norms.Create(config, config.HiddenSize, dtype);
        mlp = new LlamaMlp(config, dtype);
        register_module(names.InputNorm, input_layernorm);
        register_module(names.Attention, self_attn);
        register_module(names.PostAttentionNorm, post_attention_layernorm);
        register_module(names.Mlp, mlp);
        if (config.FeedForwardNorms)
        {
            pre_feedforward_layernorm = Norms.Create(config, config.HiddenSize, dtype);
            post_feedforward_layernorm = Norms.Create(config, config.HiddenSize, dtype);
            register_module("pre_feedforward_layernorm", pre_feedforward_layernorm);
            register_module("post_feedforward_layernorm", post_feedforward_layernorm);
        }
    }

    public Tensor Forward(Tensor x, Tensor? cos, Tensor? sin, AttentionMask mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var attended = self_attn.Forward(input_layernorm.forward(x), cos, sin, mask, cache, layerIndex);
        Tensor output;
        if (pre_feedforward_layernorm is not null && post_feedforward_layernorm is not null)
        {
            var h = x + post_attention_layernorm.forward(attended);
            output = h + post_feedforward_layernorm.forward(mlp.Forward(pre_feedforward_layernorm.forward(h)));
        }
        else
        {
            var h = x + attended;
            output = h + mlp.Forward(post_attention_layernorm.forward(h));
        }
        return output.MoveToOuterDisposeScope();
    }
}
