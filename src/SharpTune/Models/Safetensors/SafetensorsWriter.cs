using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models.Safetensors;

/// <summary>
/// Saves tensors as a <c>.safetensors</c> file with the layout of the Python <c>safetensors</c> library, or as a
/// sharded checkpoint with a <c>model.safetensors.index.json</c> as Hugging Face <c>save_pretrained</c> writes it.
/// </summary>
/// <remarks>
/// Every file is written to a temporary sibling and renamed over the target, so a failed save leaves an
/// existing file unchanged. Tensors on other devices or with non-contiguous strides are copied to contiguous
/// CPU memory first. The input tensors are not modified or disposed.
/// </remarks>
public static partial class SafetensorsWriter
{
    /// <summary>Bytes written per step, so each step fits the <see cref="Span{T}"/> limit of 2 GiB.</summary>
    const long WriteChunkBytes = 1L << 30;

    /// <summary>
    /// Metadata key that the writer sets to <c>pt</c> unless the caller gives it. Hugging Face transformers
    /// (<c>modeling_utils.load_state_dict</c>) rejects a safetensors file whose format is missing or unknown.
    /// </summary>
    public const string FormatKey = "format";

    sealed record Entry(string Name, Tensor Tensor, SafetensorsDtype.Entry Dtype, long[] Shape, long ByteLength);

    /// <summary>
    /// Saves tensors to one file. Tensors are stored in descending dtype alignment, then by name, as the
    /// Python library does. The header is padded with spaces to a multiple of 8 bytes.
    /// </summary>
    /// <param name="path">Target file. Its folder is created when missing.</param>
    /// <param name="tensors">Tensors by name. Supported dtypes: bool, uint8, int8/16/32/64, float16, bfloat16,
    /// float32, float64, complex64.</param>
    /// <param name="metadata">Strings for the header's <c>__metadata__</c>. <c>format: pt</c> is added unless a
    /// <c>format</c> key is given.</param>
    /// <exception cref="ArgumentException">A name is <c>__metadata__</c> or a tensor's dtype has no safetensors dtype.</exception>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        WriteFile(path, Describe(tensors), metadata, WriteChunkBytes);
    }

    /// <summary>Same as <see cref="Save"/> with a chosen write step, so tests can run the chunked path.</summary>
    internal static void SaveInChunks(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata, long chunkBytes) =>
        WriteFile(path, Describe(tensors), metadata, chunkBytes);

    static void WriteFile(string path, IReadOnlyList<Entry> entries, IReadOnlyDictionary<string, string>? metadata, long chunkBytes = WriteChunkBytes)
    {
        var sorted = entries
            .OrderByDescending(e => e.Dtype.Rank)
            .ThenBy(e => e.Name, Utf8Ordinal.Instance)
            .ToArray();
        var header = BuildHeader(sorted, metadata);

        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[sizeof(ulong)];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var entry in sorted)
                WriteData(stream, entry, chunkBytes);
        });
    }

    /// <summary>Validates the inputs and reads each tensor's dtype, shape and size, without copying data.</summary>
    static List<Entry> Describe(IReadOnlyDictionary<string, Tensor> tensors)
    {
        var entries = new List<Entry>(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            if (name == SafetensorsHeader.MetadataKey)
                throw new ArgumentException($"\"{SafetensorsHeader.MetadataKey}\" is reserved for the header's metadata and cannot name a tensor.", nameof(tensors));
            if (tensor is null)
                throw new ArgumentException($"Tensor \"{name}\" is null.", nameof(tensors));
            if (!SafetensorsDtype.TryGet(tensor.dtype, out var dtype))
                throw new ArgumentException(
                    $"Tensor \"{name}\" has dtype {tensor.dtype}, which safetensors cannot store; convert it to one of {SafetensorsDtype.SupportedNames}.",
                    nameof(tensors));

            var shape = tensor.shape;
            var byteLength = checked(tensor.NumberOfElements * (dtype.Bits / 8));
            entries.Add(new Entry(name, tensor, dtype, shape, byteLength));
        }
        return entries;
    }

    /// <summary>Builds the compact JSON header, <c>__metadata__</c> first, padded with spaces to a multiple of 8.</summary>
    static byte[] BuildHeader(IReadOnlyList<Entry> sorted, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        // Relaxed escaping writes non-ASCII text as UTF-8, as serde_json does, instead of \uXXXX escapes.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();

            json.WriteStartObject(SafetensorsHeader.MetadataKey);
            var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
                entries[key] = value ?? throw new ArgumentException($"Metadata value for \"{key}\" is null.", nameof(metadata));
            entries.TryAdd(FormatKey, "pt");
            foreach (var (key, value) in entries)
                json.WriteString(key, value);
            json.WriteEndObject();

            long offset = 0;
            foreach (var entry in sorted)
            {
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.Dtype.Name);
                json.WriteStartArray("shape");
                foreach (var dim in entry.Shape)
                    json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + entry.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += entry.ByteLength;
            }

            json.WriteEndObject();
        }

        var padded = (buffer.WrittenCount + 7) / 8 * 8;
        if (padded > SafetensorsHeader.MaxHeaderBytes)
            throw new ArgumentException(
                $"The header would take {padded} bytes, above the safetensors limit of {SafetensorsHeader.MaxHeaderBytes}; save fewer tensors per file.");

        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    static void WriteData(Stream stream, Entry entry, long chunkBytes)
    {
        using var scope = NewDisposeScope();
        var source = entry.Tensor.device_type == DeviceType.CPU ? entry.Tensor : entry.Tensor.cpu();
        var contiguous = source.contiguous();
        var byteLength = contiguous.NumberOfElements * contiguous.ElementSize;
        if (byteLength != entry.ByteLength)
            throw new InvalidOperationException($"Tensor \"{entry.Name}\" changed size during the save, from {entry.ByteLength} to {byteLength} bytes.");
        if (byteLength == 0)
            return;

        if (byteLength <= chunkBytes)
        {
            stream.Write(contiguous.bytes);
            return;
        }

        // Tensor.bytes is a Span, so larger tensors are written through 1-D slices of at most chunkBytes.
        var chunkElements = Math.Max(1, chunkBytes / contiguous.ElementSize);
        var flat = contiguous.view(-1); // [numel]
        for (long first = 0; first < flat.shape[0]; first += chunkElements)
        {
            using var slice = flat.narrow(0, first, Math.Min(chunkElements, flat.shape[0] - first));
            stream.Write(slice.bytes);
        }
    }
}
