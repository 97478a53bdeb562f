using SharpTune.Models.Llama;
using static TorchSharp.torch;

namespace SharpTune.Export;

/// <summary>
/// llama.cpp's attention numerics on the CPU without flash attention: keys and values stored in an f16 KV cache
/// (<c>type_k</c> and <c>type_v</c> default to f16), and the score and value products run as f16 by f16
/// products, so the queries and the softmax weights are rounded to f16 before them.
/// </summary>
/// <remarks>
/// NOTE: this is llama.cpp's path without flash attention. With flash attention, its default on the CPU, llama.cpp
/// adds the weighted values in an f16 running sum one key at a time, which this class does not reproduce.
/// </remarks>
public sealed class F16AttentionRounding : IAttentionRounding
{
    public Tensor Query(Tensor queries) => ToF16AndBack(queries);

    public Tensor KeyValue(Tensor keysOrValues) => ToF16AndBack(keysOrValues);

    public Tensor Weights(Tensor weights) => ToF16AndBack(weights);

    static Tensor ToF16AndBack(Tensor x) => GgmlRounding.RoundTrip(x, GgmlType.F16);
}
