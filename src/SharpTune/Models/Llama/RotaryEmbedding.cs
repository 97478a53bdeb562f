using SharpTune.Models.Families;
using static TorchSharp.torch;

namespace SharpTune.Models.Llama;

/// <summary>
/// Rotary position embedding in the rotate-half layout that Hugging Face checkpoints use
/// (Su et al., 2021, "RoFormer"): dimension i pairs with i + rotary_dim/2. With a partial rotary factor
/// (Phi-3) only the first rotary_dim dimensions of each head rotate and the rest pass through.
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>
    /// Computes cos and sin tables for the given positions, each <c>[batch, 1, seq, rotary_dim]</c>, for
    /// <paramref name="config"/>'s scaling. <paramref name="local"/> selects Gemma 3's local RoPE base, which has no scaling.
    /// </summary>
    public static (Tensor Cos, Tensor Sin) Tables(Tensor positionIds, ModelConfig config, ScalarType dtype, bool local = false)
    {
        using var scope = NewDisposeScope();
        long sequenceLength = positionIds.numel() == 0 ? 0 : positionIds.max().item<long>() + 1;
        var (frequencies, attentionFactor) = local
            ? RopeFrequencies.Compute(config.RotaryDim, config.LocalRopeTheta!.Value, null, config.MaxPositionEmbeddings, sequenceLength)
            : RopeFrequencies.Compute(config.RotaryDim, config.RopeTheta, config.RopeScaling, config.MaxPositionEmbeddings, sequenceLength);
        // transformers keeps inv_freq in float32 and multiplies positions in float32.
        var inverseFrequency = tensor(frequencies.Select(f => (float)f).ToArray(), device: positionIds.device); // [rotary_dim/2]
        var angles = positionIds.to(ScalarType.Float32).unsqueeze(-1) * inverseFrequency;   // [batch, seq, rotary_dim/2]
        var doubled = cat([angles, angles], -1).unsqueeze(1);                              // [batch, 1, seq, rotary_dim]
        var cos = (doubled.cos() * attentionFactor).to(dtype);
        var sin = (doubled.sin() * attentionFactor).to(dtype);
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>Rotates the first rotary_dim dimensions of <paramref name="x"/> <c>[batch, heads, seq, head_dim]</c>.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long rotaryDim = cos.shape[^1];
        long headDim = x.shape[^1];
        var rotary = rotaryDim == headDim ? x : x.narrow(-1, 0, rotaryDim);
        long half = rotaryDim / 2;
        var first = rotary.narrow(-1, 0, half);
        var second = rotary.narrow(-1, half, half);
        var rotated = cat([-second, first], -1);
        var embedded = rotary * cos + rotated * sin;
        if (rotaryDim != headDim)
            embedded = cat([embedded, x.narrow(-1, rotaryDim, headDim - rotaryDim)], -1);
        return embedded.MoveToOuterDisposeScope();
    }
}
