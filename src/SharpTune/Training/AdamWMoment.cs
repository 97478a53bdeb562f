using SharpTune.Precision;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// One of AdamW's two moments for one parameter. <see cref="Read"/> gives float32 values that the step updates in
/// place, and <see cref="Write"/> stores them again; for float32 state both are the stored tensor itself.
/// </summary>
internal abstract class AdamWMoment : IDisposable
{
    public abstract Tensor Read();

    public abstract void Write(Tensor values);

    public abstract long StorageBytes { get; }

    /// <summary>The stored tensors under their checkpoint names, for a moment called <paramref name="prefix"/>.</summary>
    public abstract IEnumerable<(string Key, Tensor Tensor)> State(string prefix, string parameterName);

    public abstract void Dispose();

    /// <summary>Float32 state, as torch.optim.AdamW keeps it.</summary>
    public sealed class Float32(long[] shape, Device device) : AdamWMoment
    {
        readonly Tensor values = zeros(shape, dtype: ScalarType.Float32, device: device);

        // An alias, so the caller's dispose scope frees the handle and not the state.
        public override Tensor Read() => values.alias();

        public override void Write(Tensor updated)
        {
        }

        public override long StorageBytes => 4 * values.numel();

        public override IEnumerable<(string Key, Tensor Tensor)> State(string prefix, string parameterName) =>
            [($"{prefix}.{parameterName}", values)];

        public override void Dispose() => values.Dispose();
    }

    /// <summary>Block-wise 8-bit state: dequantized before the update and quantized again after it.</summary>
    public sealed class Blockwise8Bit(long[] shape, float[] map, Device device) : AdamWMoment
    {
        readonly Blockwise8BitTensor stored = Blockwise8BitTensor.Zeros(shape, map, device);

        public override Tensor Read() => stored.Dequantize();

        public override void Write(Tensor updated) => stored.Store(updated);

        public override long StorageBytes => stored.StorageBytes;

        public override IEnumerable<(string Key, Tensor Tensor)> State(string prefix, string parameterName) =>
            [($"{prefix}.{parameterName}", stored.Codes), ($"{prefix}_absmax.{parameterName}", stored.Absmax)];

        public override void Dispose() => stored.Dispose();
    }
}
