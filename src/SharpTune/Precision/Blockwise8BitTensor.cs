using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Precision;

/// <summary>
/// A float32 tensor stored as one 8-bit code per element into a 256-value map (<see cref="DynamicQuantizationMap"/>),
/// with one float32 absmax per block of <see cref="BlockSize"/> elements, as 8-bit optimizer state is stored
/// (Dettmers et al., 2022). Values are divided by their block's absmax and rounded to the nearest map entry.
/// </summary>
/// <remarks>
/// Per element that is 8 bits plus 32/2048 for the absmax. bitsandbytes used blocks of 2048 for its block-wise
/// optimizers when the paper appeared; later releases use 256, which costs 1/8 bit more per element.
/// </remarks>
public sealed class Blockwise8BitTensor : IDisposable
{
    /// <summary>The block size of the block-wise 8-bit optimizers in Dettmers et al. (2022).</summary>
    public const int DefaultBlockSize = 2048;

    readonly float[] map;

    /// <summary>One code per element, <c>[numel]</c> uint8; code i is the value <c>map[i] · absmax</c>.</summary>
    public Tensor Codes { get; }

    /// <summary>Absolute maximum of each block, <c>[ceil(numel / block)]</c> float32.</summary>
    public Tensor Absmax { get; }

    public long[] Shape { get; }
    public int BlockSize { get; }

    Blockwise8BitTensor(Tensor codes, Tensor absmax, long[] shape, float[] map, int blockSize)
    {
        Codes = codes;
        Absmax = absmax;
        Shape = shape;
        this.map = map;
        BlockSize = blockSize;
    }

    /// <summary>A tensor of zeros with <paramref name="shape"/> on <paramref name="device"/>.</summary>
    public static Blockwise8BitTensor Zeros(long[] shape, float[] map, Device device, int blockSize = DefaultBlockSize)
    {
        if (blockSize <= 0)
            throw new ArgumentException($"block size must be positive, got {blockSize}", nameof(blockSize));
        if (!map.Contains(0f))
            throw new ArgumentException("the map has no zero entry", nameof(map));
        long numel = shape.Aggregate(1L, (a, b) => a * b);
        long blocks = (numel + blockSize - 1) / blockSize;
        var codes = full(numel, Array.IndexOf(map, 0f), dtype: ScalarType.Byte, device: device);
        var absmax = zeros(blocks, dtype: ScalarType.Float32, device: device);
        return new Blockwise8BitTensor(codes, absmax, shape, map, blockSize);
    }

    /// <summary>Stored bytes: one per code and four per block absmax.</summary>
    public long StorageBytes => Codes.numel() + 4 * Absmax.numel();

    /// <summary>Quantizes <paramref name="values"/> (the shape of this tensor, any float dtype) into the stored codes and absmax.</summary>
    public void Store(Tensor values)
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        long numel = Codes.shape[0];
        long blocks = Absmax.shape[0];
        var flat = values.detach().to(ScalarType.Float32).reshape(-1);
        var padded = nn.functional.pad(flat, [0, blocks * BlockSize - numel]).reshape(blocks, BlockSize); // [blocks, block]
        var absmax = padded.abs().amax([1]);                                                             // [blocks]
        // An all-zero block divides by 1 instead of 0; its codes are all the zero entry.
        var normalized = (padded / absmax.clamp_min(float.Epsilon).unsqueeze(1)).reshape(-1).narrow(0, 0, numel);
        Codes.copy_(BlockQuantizer.Nearest(normalized, map).to(ScalarType.Byte));
        Absmax.copy_(absmax);
    }

    /// <summary>Returns the values as float32 with the original shape.</summary>
    public Tensor Dequantize()
    {
        using var scope = NewDisposeScope();
        long numel = Codes.shape[0];
        var table = tensor(map, device: Codes.device);
        var normalized = table.index_select(0, Codes.to(ScalarType.Int64));                    // [numel]
        var scales = Absmax.repeat_interleave(BlockSize).narrow(0, 0, numel);                 // [numel]
        return (normalized * scales).reshape(Shape).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Codes.Dispose();
        Absmax.Dispose();
    }
}
