using static TorchSharp.torch;

namespace SharpTune.Precision;

/// <summary>A frozen weight held in a compact integer format and dequantized for each use.</summary>
public interface IQuantizedWeight : IDisposable
{
    /// <summary>The weight's shape before quantization.</summary>
    long[] Shape { get; }

    /// <summary>The stored tensors by buffer name, which a <see cref="QuantizedLinear"/> registers.</summary>
    IReadOnlyList<(string Name, Tensor Tensor)> StoredTensors { get; }

    /// <summary>Stored bytes of codes and scales; shape and settings are metadata and not counted.</summary>
    long StorageBytes { get; }

    /// <summary>Returns the weight in <paramref name="dtype"/> with its original shape.</summary>
    Tensor Dequantize(ScalarType dtype);
}
