using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpTune.Models.Llama;

/// <summary>Multi-head attention with grouped key/value heads (GQA) and rotary positions.</summary>
public sealed class LlamaAttention : ProjectionHost
{
    readonly int heads;
    readonly int kvHeads;
    readonly int headDim;

    public Module<Tensor, Tensor> q_proj;
    public Module<Tensor, Tensor> k_proj;
    public Module<Tensor, Tensor> v_proj;
    public Module<Tensor, Tensor> o_proj;

    /// <summary>Trained key/value positions that every query attends (prefix tuning), or null.</summary>
    public IKeyValuePrefix? Prefix { get; set; }

    public LlamaAttention(ModelConfig config, ScalarType dtype) : base(nameof(LlamaAttention))
    {
        heads = config.NumAttentionHeads;
        kvHeads = config.NumKeyValueHeads;
        headDim = config.HeadDim;
        q_proj = Linear(config.HiddenSize, heads * headDim, hasBias: config.QkvBias, dtype: dtype);
        k_proj = Linear(config.HiddenSize, kvHeads * headDim, hasBias: config.QkvBias, dtype: dtype);
        v_proj = Linear(config.HiddenSize, kvHeads * headDim, hasBias: config.QkvBias, dtype: dtype);
        o_proj = Linear(heads * headDim, config.HiddenSize, hasBias: config.OutputBias, dtype: dtype);
        RegisterComponents();
    }

    public override IReadOnlyList<string> ProjectionNames => ["q_proj", "k_proj", "v_proj", "o_proj"];

    public override Module<Tensor, Tensor> GetProjection(string name) => name switch
    {
        "q_proj" => q_proj,
        "k_proj" => k_proj,
        "v_proj" => v_proj,
        "o_proj" => o_proj,
        _ => throw new ArgumentException(name),
    };

    protected override void SetProjectionField(string name, Module<Tensor, Tensor> module)
    {
        switch (name)
        {
            case "q_proj": q_proj = module; break;
            case "k_proj": k_proj = module; break;
            case "v_proj": v_proj = module; break;
            case "o_proj": o_proj = module; break;
        }
    }

    /// <summary>Attends <paramref name="x"/> <c>[batch, seq, hidden]</c>; returns <c>[batch, seq, hidden]</c>.</summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, AttentionMask mask, KvCache? cache, int layerIndex)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], seq = x.shape[1];

        var q = q_proj.forward(x).view(batch, seq, heads, headDim).transpose(1, 2);   // [b, heads, s, d]
        var k = k_proj.forward(x).view(batch, seq, kvHeads, headDim).transpose(1, 2); // [b, kv_heads, s, d]
        var v = v_proj.forward(x).view(batch, seq, kvHeads, headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);

        if (cache is not null)
            (k, v) = cache.Append(layerIndex, k, v);                                     // [b, kv_heads, past+s, d]

        // The prefix is joined on every call and never cached, so cached generation sees it at every step.
        if (Prefix is not null)
            (k, v, mask) = KeyValuePrefix.Extend(Prefix, layerIndex, k, v, mask, seq);   // [b, kv_heads, p+past+s, d]

        if (kvHeads != heads)
        {
            k = k.repeat_interleave(heads / kvHeads, dim: 1);                              // [b, heads, past+s, d]
            v = v.repeat_interleave(heads / kvHeads, dim: 1);
        }

        var attended = functional.scaled_dot_product_attention(q, k, v, mask.Mask, 0.0, mask.IsCausal);
        var merged = attended.transpose(1, 2).reshape(batch, seq, heads * headDim);       // [b, s, heads*d]
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }
}
