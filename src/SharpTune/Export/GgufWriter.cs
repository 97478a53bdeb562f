using System.Text;

namespace SharpTune.Export;

/// <summary>
/// Writes a GGUF version 3 file: header, metadata key-value pairs, tensor descriptions, then the tensor data,
/// each tensor starting at a multiple of <see cref="Alignment"/> bytes. All numbers are little-endian.
/// Tensor bytes are produced one tensor at a time while writing, so a large model is never held twice in memory.
/// </summary>
public sealed class GgufWriter
{
    /// <summary>Alignment of the data section and of every tensor in it, in bytes (GGUF's default, general.alignment).</summary>
    public const int Alignment = 32;
    const uint Magic = 0x46554747; // "GGUF" read as a little-endian uint32.
    const uint Version = 3;

    readonly List<(string Key, GgufValueType Type, object Value)> _metadata = [];
    readonly List<TensorEntry> _tensors = [];

    sealed record TensorEntry(string Name, long[] Shape, GgmlType Type, Func<byte[]> Data)
    {
        public long ByteCount => Shape.Length == 0 ? 0 : GgmlQuantizer.RowBytes(Type, Shape[^1]) * Shape[..^1].Aggregate(1L, (a, b) => a * b);
    }

    public IReadOnlyList<string> Keys => _metadata.Select(m => m.Key).ToList();

    public void Add(string key, string value) => Put(key, GgufValueType.String, value);
    public void Add(string key, uint value) => Put(key, GgufValueType.UInt32, value);
    public void Add(string key, int value) => Put(key, GgufValueType.Int32, value);
    public void Add(string key, float value) => Put(key, GgufValueType.Float32, value);
    public void Add(string key, bool value) => Put(key, GgufValueType.Bool, value);
    public void Add(string key, IReadOnlyList<string> values) => Put(key, GgufValueType.Array, (GgufValueType.String, (object)values));
    public void Add(string key, IReadOnlyList<float> values) => Put(key, GgufValueType.Array, (GgufValueType.Float32, (object)values));
    public void Add(string key, IReadOnlyList<int> values) => Put(key, GgufValueType.Array, (GgufValueType.Int32, (object)values));

    /// <summary>
    /// Adds a tensor. <paramref name="shape"/> is in PyTorch order (outermost first); GGUF stores it reversed,
    /// innermost dimension first. <paramref name="data"/> returns the encoded bytes when the file is written.
    /// </summary>
    public void AddTensor(string name, long[] shape, GgmlType type, Func<byte[]> data)
    {
        if (_tensors.Any(t => t.Name == name))
            throw new ArgumentException($"tensor '{name}' was added twice", nameof(name));
        if (!GgmlQuantizer.Fits(type, shape[^1]))
            throw new ArgumentException($"tensor '{name}': rows of {shape[^1]} values do not split into {type} blocks", nameof(type));
        _tensors.Add(new TensorEntry(name, shape, type, data));
    }

    void Put(string key, GgufValueType type, object value)
    {
        if (_metadata.Any(m => m.Key == key))
            throw new ArgumentException($"metadata key '{key}' was added twice", nameof(key));
        _metadata.Add((key, type, value));
    }

    /// <summary>Writes the file to <paramref name="stream"/>.</summary>
    public void Write(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write((ulong)_tensors.Count);
        writer.Write((ulong)_metadata.Count);
        foreach (var (key, type, value) in _metadata)
        {
            WriteString(writer, key);
            writer.Write((uint)type);
            WriteValue(writer, type, value);
        }

        long offset = 0;
        foreach (var tensor in _tensors)
        {
            WriteString(writer, tensor.Name);
            writer.Write((uint)tensor.Shape.Length);
            foreach (var dim in tensor.Shape.Reverse())
                writer.Write((ulong)dim);
            writer.Write((uint)tensor.Type);
            writer.Write((ulong)offset);
            offset = Align(offset + tensor.ByteCount);
        }

        Pad(writer);
        long dataStart = stream.Position;
        foreach (var tensor in _tensors)
        {
            var bytes = tensor.Data();
            if (bytes.LongLength != tensor.ByteCount)
                throw new InvalidOperationException($"tensor '{tensor.Name}': produced {bytes.LongLength} bytes, expected {tensor.ByteCount}");
            writer.Write(bytes);
            Pad(writer, dataStart);
        }
    }

    static long Align(long offset) => (offset + Alignment - 1) / Alignment * Alignment;

    static void Pad(BinaryWriter writer, long origin = 0)
    {
        long position = writer.BaseStream.Position - origin;
        for (long i = position; i < Align(position); i++)
            writer.Write((byte)0);
    }

    static void WriteString(BinaryWriter writer, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    static void WriteValue(BinaryWriter writer, GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.String: WriteString(writer, (string)value); break;
            case GgufValueType.UInt32: writer.Write((uint)value); break;
            case GgufValueType.Int32: writer.Write((int)value); break;
            case GgufValueType.Float32: writer.Write((float)value); break;
            case GgufValueType.Bool: writer.Write((byte)((bool)value ? 1 : 0)); break;
            case GgufValueType.Array:
                var (elementType, items) = ((GgufValueType, object))value;
                writer.Write((uint)elementType);
                switch (items)
                {
                    case IReadOnlyList<string> strings:
                        writer.Write((ulong)strings.Count);
                        foreach (var s in strings)
                            WriteString(writer, s);
                        break;
                    case IReadOnlyList<float> floats:
                        writer.Write((ulong)floats.Count);
                        foreach (var f in floats)
                            writer.Write(f);
                        break;
                    case IReadOnlyList<int> ints:
                        writer.Write((ulong)ints.Count);
                        foreach (var i in ints)
                            writer.Write(i);
                        break;
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported GGUF value type");
        }
    }
}
