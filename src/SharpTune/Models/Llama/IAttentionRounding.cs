using static TorchSharp.torch;

namespace SharpTune.Models.Llama;

/// <summary>
/// Rounds the intermediate values of attention as a deployment runtime stores them (llama.cpp keeps its KV cache
/// in f16 and multiplies f16 by f16), so that SharpTune can preview that runtime's numerics. Without one, attention
/// runs in the model's dtype.
/// </summary>
public interface IAttentionRounding
{
    /// <summary>Queries after RoPE as the score product reads them, <c>[batch, heads, seq, head_dim]</c>.</summary>
    Tensor Query(Tensor queries);

    /// <summary>Keys after RoPE, or values, as the KV cache stores them, <c>[batch, kv_heads, seq, head_dim]</c>.</summary>
    Tensor KeyValue(Tensor keysOrValues);

    /// <summary>Attention weights after the softmax as the product with the values reads them, <c>[batch, heads, query, key]</c>.</summary>
    Tensor Weights(Tensor weights);
}
