using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Precision;

/// <summary>Quantizes tensors to 4-bit codes with block-wise absmax scaling, as QLoRA does.</summary>
public static class BlockQuantizer
{
    /// <summary>QLoRA's block size for the weights.</summary>
    public const int DefaultBlockSize = 64;

    /// <summary>QLoRA's block size for the double-quantized absmax constants.</summary>
    public const int DefaultAbsmaxBlockSize = 256;

    /// <summary>
    /// Quantizes <paramref name="weight"/> (any shape and float dtype) to the nearest code of <paramref name="type"/>
    /// after dividing each block of <paramref name="blockSize"/> elements by its absolute maximum.
    /// </summary>
    public static QuantizedTensor Quantize(Tensor weight, FourBitType type, int blockSize = DefaultBlockSize,
        bool doubleQuantize = true, int absmaxBlockSize = DefaultAbsmaxBlockSize)
    {
        if (blockSize <= 0 || blockSize % 2 != 0)
            throw new ArgumentException($"block size must be a positive even number, got {blockSize}", nameof(blockSize));
        if (absmaxBlockSize <= 0)
            throw new ArgumentException($"absmax block size must be positive, got {absmaxBlockSize}", nameof(absmaxBlockSize));

        using var scope = NewDisposeScope();
        using var guard = no_grad();
        var flat = weight.detach().to(ScalarType.Float32).reshape(-1);
        long numel = flat.shape[0];
        long blocks = (numel + blockSize - 1) / blockSize;
        var padded = nn.functional.pad(flat, [0, blocks * blockSize - numel]).reshape(blocks, blockSize); // [blocks, block]

        var absmax = padded.abs().amax([1]); // [blocks]
        // An all-zero block divides by 1 instead of 0; its codes are all the zero code.
        var normalized = padded / absmax.clamp_min(float.Epsilon).unsqueeze(1);
        var indices = Nearest(normalized.reshape(-1), FourBitCodebook.Values(type)); // [padded numel] int64
        var pairs = indices.reshape(-1, 2);
        var packed = (pairs[.., 0] * 16 + pairs[.., 1]).to(ScalarType.Byte); // [padded numel / 2]

        long[] shape = weight.shape;
        if (!doubleQuantize)
            return new QuantizedTensor(packed.MoveToOuterDisposeScope(), absmax.MoveToOuterDisposeScope(), null, null, 0f,
                shape, type, blockSize, absmaxBlockSize);

        float offset = absmax.mean().item<float>();
        var centered = absmax - offset;
        long groups = (blocks + absmaxBlockSize - 1) / absmaxBlockSize;
        var grouped = nn.functional.pad(centered, [0, groups * absmaxBlockSize - blocks]).reshape(groups, absmaxBlockSize); // [groups, 256]
        var scales = grouped.abs().amax([1]).clamp_min(float.Epsilon); // [groups]
        var codes = (grouped / scales.unsqueeze(1) * 127f).round().clamp(-127, 127).reshape(-1).narrow(0, 0, blocks).to(ScalarType.Int8);
        return new QuantizedTensor(packed.MoveToOuterDisposeScope(), null, codes.MoveToOuterDisposeScope(),
            scales.MoveToOuterDisposeScope(), offset, shape, type, blockSize, absmaxBlockSize);
    }

    /// <summary>Returns the index of the nearest table entry for each value; the table is sorted ascending.</summary>
    internal static Tensor Nearest(Tensor values, float[] table)
    {
        var midpoints = new float[table.Length - 1];
        for (int i = 0; i < midpoints.Length; i++)
            midpoints[i] = (table[i] + table[i + 1]) / 2;
        return bucketize(values, tensor(midpoints, device: values.device));
    }
}
