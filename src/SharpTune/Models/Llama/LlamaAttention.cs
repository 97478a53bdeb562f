using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpTune.Models.Llama;

/// <summary>
/// Multi-head attention with grouped key/value heads (GQA), for every decoder family: separate q/k/v
/// projections or one fused projection (Phi-3's <c>qkv_proj</c>, GPT-2's <c>c_attn</c>), optional per-head
/// q/k RMSNorm (Qwen3, Gemma 3), rotary or no positions, and optional score soft-capping (Gemma 2).
/// Children are registered under the family's Hugging Face names.
/// </summary>
public sealed class LlamaAttention : ProjectionHost
{
    readonly int heads;
    readonly int kvHeads;
    readonly int headDim;
    readonly ModelConfig config;
    readonly Dictionary<string, Module<Tensor, Tensor>> projections = new();

    /// <summary>Per-head query norm over head_dim, or null when the family has none.</summary>
    public RmsNorm? q_norm;
    /// <summary>Per-head key norm over head_dim, or null when the family has none.</summary>
    public RmsNorm? k_norm;

    /// <summary>Trained key/value positions that every query attends (prefix tuning), or null.</summary>
    public IKeyValuePrefix? Prefix { get; set; }

    /// <summary>Rounding of queries, cached keys and values, and attention weights as a runtime computes them, or null.</summary>
    public IAttentionRounding? Rounding { get; set; }

    public LlamaAttention(ModelConfig config, ScalarType dtype) : base(nameof(LlamaAttention))
    {
        this.config = config;
        heads = config.NumAttentionHeads;
        kvHeads = config.NumKeyValueHeads;
        headDim = config.HeadDim;
        var names = config.Names;
        if (names.FusedQkv is string fused)
            projections[fused] = Linear(config.HiddenSize, (heads + 2 * kvHeads) * headDim, hasBias: config.QkvBias, dtype: dtype);
        else
        {
            projections[names.Query!] = Linear(config.HiddenSize, heads * headDim, hasBias: config.QkvBias, dtype: dtype);
            projections[names.Key!] = Linear(config.HiddenSize, kvHeads * headDim, hasBias: config.QkvBias, dtype: dtype);
            projections[names.Value!] = Linear(config.HiddenSize, kvHeads * headDim, hasBias: config.QkvBias, dtype: dtype);
        }
        projections[names.Output] = Linear(heads * headDim, config.HiddenSize, hasBias: config.OutputBias, dtype: dtype);
        foreach (var (name, module) in projections)
            register_module(name, module);

        if (config.QkNorm)
        {
            bool offsetOne = config.NormKind == NormKind.RmsOffsetOne;
            q_norm = new RmsNorm(headDim, config.RmsNormEps, dtype, offsetOne);
            k_norm = new RmsNorm(headDim, config.RmsNormEps, dtype, offsetOne);
            register_module("q_norm", q_norm);
            register_module("k_norm", k_norm);
        }
    }

    public override IReadOnlyList<string> ProjectionNames => projections.Keys.ToList();

    public override Module<Tensor, Tensor> GetProjection(string name) =>
        projections.TryGetValue(name, out var module) ? module : throw new ArgumentException(name);

    protected override void SetProjectionField(string name, Module<Tensor, Tensor> module) => projections[name] = module;

    /// <summary>
    /// Attends <paramref name="x"/> <c>[batch, seq, hidden]</c>; returns <c>[batch, seq, hidden]</c>.
    /// <paramref name="cos"/> and <paramref name="sin"/> are null for a family with learned positions.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor? cos, Tensor? sin, AttentionMask mask, KvCache? cache, int layerIndex)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], seq = x.shape[1];
        var names = config.Names;

        Tensor q, k, v;
        if (names.FusedQkv is string fused)
        {
            // Rows of the fused weight are [q (heads·d), k (kv_heads·d), v (kv_heads·d)].
            var qkv = projections[fused].forward(x);                                         // [b, s, (heads+2·kv)·d]
            q = qkv.narrow(-1, 0, heads * headDim);
            k = qkv.narrow(-1, heads * headDim, kvHeads * headDim);
            v = qkv.narrow(-1, (heads + kvHeads) * headDim, kvHeads * headDim);
        }
        else
        {
            q = projections[names.Query!].forward(x);
            k = projections[names.Key!].forward(x);
            v = projections[names.Value!].forward(x);
        }
        q = q.reshape(batch, seq, heads, headDim);
        k = k.reshape(batch, seq, kvHeads, headDim);
        if (q_norm is not null && k_norm is not null)
        {
            q = q_norm.forward(q);
            k = k_norm.forward(k);
        }
        q = q.transpose(1, 2);                                                                // [b, heads, s, d]
        k = k.transpose(1, 2);                                                                // [b, kv_heads, s, d]
        v = v.reshape(batch, seq, kvHeads, headDim).transpose(1, 2);
        if (cos is not null && sin is not null)
        {
            q = RotaryEmbedding.Apply(q, cos, sin);
            k = RotaryEmbedding.Apply(k, cos, sin);
        }

        if (Rounding is not null)
        {
            q = Rounding.Query(q);
            k = Rounding.KeyValue(k);
            v = Rounding.KeyValue(v);
        }

        if (cache is not null)
            (k, v) = cache.Append(layerIndex, k, v);                                         // [b, kv_heads, past+s, d]

        // The prefix is joined on every call and never cached, so cached generation sees it at every step.
        if (Prefix is not null)
            (k, v, mask) = KeyValuePrefix.Extend(Prefix, layerIndex, k, v, mask, seq);   // [b, kv_heads, p+past+s, d]

        if (kvHeads != heads)
        {
            k = k.repeat_interleave(heads / kvHeads, dim: 1);                                  // [b, heads, past+s, d]
            v = v.repeat_interleave(heads / kvHeads, dim: 1);
        }

        var attended = config.AttnLogitSoftcapping is not null || Rounding is not null
            ? ExplicitAttention(q, k, v, mask)
            : ScaledAttention(q, k, v, mask);
        var merged = attended.transpose(1, 2).reshape(batch, seq, heads * headDim);           // [b, s, heads·d]
        return projections[names.Output].forward(merged).MoveToOuterDisposeScope();
    }

    Tensor ScaledAttention(Tensor q, Tensor k, Tensor v, AttentionMask mask)
    {
        // scaled_dot_product_attention divides by sqrt(head_dim); a family-specific scale is folded into q.
        if (config.AttentionScale is double scale)
            q = q * (scale * Math.Sqrt(headDim));
        return functional.scaled_dot_product_attention(q, k, v, mask.Mask, 0.0, mask.IsCausal);
    }

    // scores = q·kᵀ · scale, soft-capped as cap · tanh(scores / cap) for Gemma 2, then the mask, then softmax in
    // float32; the weights pass through Rounding before they meet the values.
    Tensor ExplicitAttention(Tensor q, Tensor k, Tensor v, AttentionMask mask)
    {
        double scale = config.AttentionScale ?? 1.0 / Math.Sqrt(headDim);
        var scores = q.matmul(k.transpose(-2, -1)) * scale;                                  // [b, heads, q, k]
        if (config.AttnLogitSoftcapping is double cap)
            scores = (scores / cap).tanh() * cap;
        long queries = q.shape[2], keys = k.shape[2];
        var allowed = mask.Mask ?? (mask.IsCausal
            ? ones(queries, keys, dtype: ScalarType.Bool, device: q.device).tril(keys - queries)
            : ones(queries, keys, dtype: ScalarType.Bool, device: q.device));
        scores = scores.masked_fill(allowed.logical_not(), double.NegativeInfinity);
        var weights = functional.softmax(scores.to(ScalarType.Float32), -1).to(q.dtype);
        if (Rounding is not null)
            weights = Rounding.Weights(weights);
        return weights.matmul(v);                                                              // [b, heads, q, d]
    }
}
