using static TorchSharp.torch;

namespace SharpTune.Models.Llama;

/// <summary>
/// Rotary position embedding in the rotate-half layout that Hugging Face Llama checkpoints use
/// (Su et al., 2021, "RoFormer"): dimension i pairs with i + head_dim/2, frequency theta^(-2i/head_dim).
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>Computes cos and sin tables for the given positions, each <c>[batch, 1, seq, head_dim]</c>.</summary>
    public static (Tensor Cos, Tensor Sin) Tables(Tensor positionIds, int headDim, double theta, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var exponents = arange(0, headDim, 2, dtype: ScalarType.Float32, device: positionIds.device) / headDim;
        var inverseFrequency = pow(theta, exponents).reciprocal();                      // [head_dim/2]
        var angles = positionIds.to(ScalarType.Float32).unsqueeze(-1) * inverseFrequency; // [batch, seq, head_dim/2]
        var doubled = cat([angles, angles], -1).unsqueeze(1);                            // [batch, 1, seq, head_dim]
        var cos = doubled.cos().to(dtype);
        var sin = doubled.sin().to(dtype);
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>Rotates <paramref name="x"/> <c>[batch, heads, seq, head_dim]</c> by the tables.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var first = x.narrow(-1, 0, half);
        var second = x.narrow(-1, half, half);
        var rotated = cat([-second, first], -1);
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }
}
