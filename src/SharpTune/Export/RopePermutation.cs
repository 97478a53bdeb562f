using static TorchSharp.torch;

namespace SharpTune.Export;

/// <summary>
/// Reorders q/k projection rows from Hugging Face's rotate-half RoPE layout to the interleaved layout that
/// llama.cpp's Llama graph rotates. Within each head, HF pairs row i with row i + d/2, llama.cpp pairs rows
/// 2i and 2i + 1, so HF row i moves to 2i and HF row i + d/2 moves to 2i + 1.
/// </summary>
public static class RopePermutation
{
    /// <summary>Returns <paramref name="weight"/> (<c>[heads * head_dim, in]</c> or a bias <c>[heads * head_dim]</c>) with its rows reordered.</summary>
    public static Tensor ToInterleaved(Tensor weight, int heads)
    {
        var shape = weight.shape;
        long headDim = shape[0] / heads;
        var rest = shape.Skip(1).ToArray();
        // [heads, 2, head_dim / 2, ...] → [heads, head_dim / 2, 2, ...]: the two halves of each head interleave.
        return weight.reshape([heads, 2, headDim / 2, .. rest]).transpose(1, 2).reshape(shape);
    }
}
