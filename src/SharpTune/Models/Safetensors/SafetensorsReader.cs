using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models.Safetensors;

/// <summary>
/// A read-only view of one <c>.safetensors</c> file through a memory mapping: its tensor names, dtypes and
/// shapes, its metadata, and copies of its tensors as CPU tensors.
/// </summary>
/// <remarks>
/// The format is an 8-byte little-endian header length N, N bytes of JSON header, then the raw little-endian
/// tensor data. The header is validated on open. <see cref="GetTensor"/> may run on several threads at once,
/// but not concurrently with <see cref="Dispose"/>. Tensors it returns own their memory and stay valid after
/// the reader is disposed.
/// </remarks>
public sealed unsafe class SafetensorsReader : IDisposable
{
    /// <summary>Bytes copied per step, so each step fits the <see cref="Span{T}"/> limit of 2 GiB.</summary>
    const long CopyChunkBytes = 1L << 30;

    readonly MemoryMappedFile mapping;
    readonly MemoryMappedViewAccessor view;
    readonly byte* data;
    readonly bool pointerAcquired;
    readonly Dictionary<string, SafetensorsTensorInfo> byName;
    bool disposed;

    /// <summary>Full path of the file.</summary>
    public string Path { get; }

    /// <summary>Tensor entries in the order of their data in the file.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>Tensor names in the order of their data in the file.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The header's <c>__metadata__</c> map, empty when the header has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens and validates a safetensors file.</summary>
    /// <exception cref="SharpTuneInputException">The file is missing, truncated or has an invalid header.</exception>
    public static SafetensorsReader Open(string path) => new(path);

    SafetensorsReader(string path)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Reading safetensors needs a little-endian CPU because the data is copied byte for byte.");

        Path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(Path))
            throw SharpTuneInputException.At(Path, null, null, "safetensors file not found; check the path or download the model again");

        // An empty file cannot be mapped, so check the length before mapping.
        // The Hugging Face cache stores snapshot files as symbolic links to blobs, so measure the link's target.
        var file = new FileInfo(Path);
        var fileLength = (file.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? file).Length;
        if (fileLength < sizeof(ulong))
            throw SharpTuneInputException.At(Path, null, "header",
                $"the file holds {fileLength} bytes, fewer than the 8-byte header length; the file is truncated, so download or save it again");

        mapping = MemoryMappedFile.CreateFromFile(Path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read);
        try
        {
            view = mapping.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* start = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            pointerAcquired = true;
            start += view.PointerOffset;

            var header = ReadHeader(start, fileLength);
            data = start + sizeof(ulong) + header.Length;
            var parsed = SafetensorsHeader.Parse(Path, header, fileLength - sizeof(ulong) - header.Length);

            Tensors = parsed.Tensors;
            Names = parsed.Tensors.Select(t => t.Name).ToArray();
            Metadata = parsed.Metadata;
            byName = parsed.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        }
        catch
        {
            Release();
            throw;
        }
    }

    ReadOnlySpan<byte> ReadHeader(byte* start, long fileLength)
    {
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(start, sizeof(ulong)));
        if (headerLength > SafetensorsHeader.MaxHeaderBytes)
            throw SharpTuneInputException.At(Path, null, "header",
                $"the header length is {headerLength} bytes, above the limit of {SafetensorsHeader.MaxHeaderBytes}; the file is damaged or not safetensors, so download or save it again");
        if ((long)headerLength > fileLength - sizeof(ulong))
            throw SharpTuneInputException.At(Path, null, "header",
                $"the header length is {headerLength} bytes but only {fileLength - sizeof(ulong)} follow it; the file is truncated, so download or save it again");

        return new ReadOnlySpan<byte>(start + sizeof(ulong), (int)headerLength);
    }

    /// <summary>Whether the file contains a tensor of this name.</summary>
    public bool Contains(string name) => byName.ContainsKey(name);

    /// <summary>Returns the header entry for a tensor.</summary>
    /// <exception cref="SharpTuneInputException">The file has no tensor of this name.</exception>
    public SafetensorsTensorInfo GetInfo(string name) =>
        byName.TryGetValue(name, out var info)
            ? info
            : throw SharpTuneInputException.At(Path, null, name, "tensor not found in this file; check that the checkpoint matches the model's architecture");

    /// <summary>
    /// Copies a tensor out of the file into a new contiguous CPU tensor of the matching dtype and shape.
    /// The caller owns the result.
    /// </summary>
    /// <exception cref="SharpTuneInputException">The tensor is missing or its dtype has no TorchSharp type.</exception>
    public Tensor GetTensor(string name) => GetTensorInChunks(name, CopyChunkBytes);

    /// <summary>Same as <see cref="GetTensor"/> with a chosen copy step, so tests can run the chunked path.</summary>
    internal Tensor GetTensorInChunks(string name, long chunkBytes)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var info = GetInfo(name);
        if (info.ScalarType is not { } dtype)
            throw SharpTuneInputException.At(Path, null, $"{name}.dtype",
                $"{info.Dtype} has no TorchSharp type; convert the checkpoint to one of {SafetensorsDtype.SupportedNames}");

        using var scope = NewDisposeScope();
        var tensor = empty(info.Shape.ToArray(), dtype, CPU);
        CopyInto(tensor, data + info.Begin, info.ByteLength, chunkBytes);
        return tensor.MoveToOuterDisposeScope();
    }

    /// <summary>Copies <paramref name="length"/> bytes into a contiguous tensor of exactly that size.</summary>
    static void CopyInto(Tensor tensor, byte* source, long length, long chunkBytes)
    {
        if (length == 0)
            return;
        if (length <= chunkBytes)
        {
            new ReadOnlySpan<byte>(source, (int)length).CopyTo(tensor.bytes);
            return;
        }

        // Tensor.bytes is a Span, so larger tensors are filled through 1-D slices of at most chunkBytes.
        var elementSize = tensor.ElementSize;
        var chunkElements = Math.Max(1, chunkBytes / elementSize);
        using var flat = tensor.view(-1); // [numel], shares storage with tensor
        for (long first = 0; first < flat.shape[0]; first += chunkElements)
        {
            var count = Math.Min(chunkElements, flat.shape[0] - first);
            using var slice = flat.narrow(0, first, count);
            new ReadOnlySpan<byte>(source + first * elementSize, (int)(count * elementSize)).CopyTo(slice.bytes);
        }
    }

    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        Release();
    }

    void Release()
    {
        if (pointerAcquired)
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        view?.Dispose();
        mapping.Dispose();
    }
}
