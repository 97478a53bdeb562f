using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Precision;

/// <summary>
/// A weight stored as 4-bit codes with block-wise absmax scales, optionally double-quantized: the scales
/// themselves are stored as int8 in blocks of 256 with one float32 scale per block, after subtracting their mean.
/// </summary>
/// <remarks>
/// Layout: element <c>2k</c> of the flattened weight is the high nibble of byte <c>k</c>, element <c>2k+1</c> the low one.
/// NOTE: bitsandbytes quantizes the scales with its dynamic 8-bit map; this stores them as symmetric linear int8,
/// which has the same size and a slightly different rounding error.
/// </remarks>
public sealed class QuantizedTensor : IQuantizedWeight
{
    /// <summary>Two codes per byte, <c>[numel / 2]</c> uint8, numel padded to a whole number of blocks.</summary>
    public Tensor Packed { get; }

    /// <summary>Per-block absmax, <c>[blocks]</c> float32; null when double-quantized.</summary>
    public Tensor? Absmax { get; }

    /// <summary>Double-quantized absmax codes, <c>[blocks]</c> int8; null without double quantization.</summary>
    public Tensor? AbsmaxCodes { get; }

    /// <summary>One float32 scale per block of 256 absmax codes, <c>[ceil(blocks / 256)]</c>.</summary>
    public Tensor? AbsmaxScales { get; }

    /// <summary>Mean of the absmax values, subtracted before their quantization.</summary>
    public float AbsmaxOffset { get; }

    public long[] Shape { get; }
    public FourBitType Type { get; }
    public int BlockSize { get; }
    public int AbsmaxBlockSize { get; }

    internal QuantizedTensor(Tensor packed, Tensor? absmax, Tensor? absmaxCodes, Tensor? absmaxScales, float absmaxOffset,
        long[] shape, FourBitType type, int blockSize, int absmaxBlockSize)
    {
        Packed = packed;
        Absmax = absmax;
        AbsmaxCodes = absmaxCodes;
        AbsmaxScales = absmaxScales;
        AbsmaxOffset = absmaxOffset;
        Shape = shape;
        Type = type;
        BlockSize = blockSize;
        AbsmaxBlockSize = absmaxBlockSize;
    }

    public bool DoubleQuantized => AbsmaxCodes is not null;

    public IReadOnlyList<(string Name, Tensor Tensor)> StoredTensors => DoubleQuantized
        ? [("weight_packed", Packed), ("absmax_codes", AbsmaxCodes!), ("absmax_scales", AbsmaxScales!)]
        : [("weight_packed", Packed), ("absmax", Absmax!)];

    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>
    /// Stored size in bytes: packed codes, absmax data and, with double quantization, the 4-byte offset.
    /// Shape and settings are metadata and not counted.
    /// </summary>
    public long StorageBytes =>
        Packed.numel() + (DoubleQuantized ? AbsmaxCodes!.numel() + 4 * AbsmaxScales!.numel() + 4 : 4 * Absmax!.numel());

    /// <summary>Stored bits per weight element; 4 + 8/64 + 32/(64·256) ≈ 4.127 with the defaults, plus the offset.</summary>
    public double BitsPerParameter => 8.0 * StorageBytes / ElementCount;

    /// <summary>Returns the per-block absmax as float32 <c>[blocks]</c>, undoing double quantization.</summary>
    public Tensor BlockAbsmax()
    {
        if (!DoubleQuantized)
            return Absmax!.alias();
        using var scope = NewDisposeScope();
        long blocks = AbsmaxCodes!.shape[0];
        var scales = AbsmaxScales!.repeat_interleave(AbsmaxBlockSize).narrow(0, 0, blocks); // [blocks]
        var absmax = AbsmaxCodes.to(ScalarType.Float32) / 127f * scales + AbsmaxOffset;
        return absmax.MoveToOuterDisposeScope();
    }

    /// <summary>Returns the weight in <paramref name="dtype"/> with its original shape.</summary>
    /// <remarks>
    /// This runs on every forward and backward pass of a 4-bit layer, so each temporary is freed once the next step
    /// has used it. The peak is then about 10 bytes per weight (int32 codes and their two nibbles), where keeping
    /// every temporary to the end of the call, with an int64 index, took about 28.
    /// </remarks>
    public Tensor Dequantize(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        Tensor indices;                                                                            // [padded numel] int32
        using (var codes = Packed.to(ScalarType.Int32))
        using (var high = codes.bitwise_right_shift(4))
        using (var low = codes.bitwise_and(15))
        using (var pairs = stack([high, low], dim: 1))                                             // [numel / 2, 2]
            indices = pairs.view(-1);
        Tensor values;                                                                             // [blocks, block] float32
        using (var table = tensor(FourBitCodebook.Values(Type), device: Packed.device))
        using (indices)
            values = table.index_select(0, indices).view(-1, BlockSize);
        using (var absmax = BlockAbsmax())
            values.mul_(absmax.unsqueeze(1));
        return values.view(-1).narrow(0, 0, ElementCount).reshape(Shape).to(dtype).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Packed.Dispose();
        Absmax?.Dispose();
        AbsmaxCodes?.Dispose();
        AbsmaxScales?.Dispose();
    }
}
