using System.Text.Json;

namespace SharpTune.Models.Safetensors;

/// <summary>A parsed and validated safetensors header: the tensor entries in data order and the metadata.</summary>
internal sealed record SafetensorsHeader(
    IReadOnlyList<SafetensorsTensorInfo> Tensors,
    IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>Name of the optional string-to-string map in the header.</summary>
    internal const string MetadataKey = "__metadata__";

    /// <summary>Largest header the Rust <c>safetensors</c> crate accepts (its <c>MAX_HEADER_SIZE</c>), in bytes.</summary>
    internal const long MaxHeaderBytes = 100_000_000;

    const string RewriteAdvice = "the file is damaged or was not written as safetensors, so download or save it again";

    /// <summary>
    /// Parses the JSON header and checks it against the data section with the rules of the Rust crate.
    /// Sorted by offset, the tensors must tile the data section exactly with nothing after the last one,
    /// and each tensor's size must be its element count times its element size.
    /// </summary>
    /// <param name="path">File the header came from, named in every error.</param>
    /// <param name="json">The header bytes, UTF-8, possibly padded with trailing spaces.</param>
    /// <param name="dataLength">Bytes in the file after the header.</param>
    /// <exception cref="SharpTuneInputException">The header is malformed or does not match the data.</exception>
    internal static SafetensorsHeader Parse(string path, ReadOnlySpan<byte> json, long dataLength)
    {
        using var document = ParseJson(path, json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw SharpTuneInputException.At(path, null, "header", $"the JSON header is a {document.RootElement.ValueKind}, not an object; {RewriteAdvice}");

        var tensors = new List<SafetensorsTensorInfo>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (!seen.Add(property.Name))
                throw SharpTuneInputException.At(path, null, property.Name, $"the header lists this name twice; {RewriteAdvice}");

            if (property.Name == MetadataKey)
                ReadMetadata(path, property.Value, metadata);
            else
                tensors.Add(ReadTensor(path, property.Name, property.Value));
        }

        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        CheckLayout(path, tensors, dataLength);
        return new SafetensorsHeader(tensors, metadata);
    }

    static JsonDocument ParseJson(string path, ReadOnlySpan<byte> json)
    {
        try
        {
            // Parse (unlike ParseValue) rejects anything but whitespace after the object.
            return JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw SharpTuneInputException.At(path, null, "header", $"the JSON header is invalid ({e.Message}); {RewriteAdvice}");
        }
    }

    static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw SharpTuneInputException.At(path, null, MetadataKey, $"expected an object of strings, found a {value.ValueKind}; {RewriteAdvice}");

        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw SharpTuneInputException.At(path, null, $"{MetadataKey}.{entry.Name}",
                    $"metadata values must be strings, found a {entry.Value.ValueKind}; {RewriteAdvice}");
            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    static SafetensorsTensorInfo ReadTensor(string path, string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw SharpTuneInputException.At(path, null, name, $"expected an object with dtype, shape and data_offsets, found a {value.ValueKind}; {RewriteAdvice}");

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw SharpTuneInputException.At(path, null, $"{name}.dtype", $"missing or not a string; {RewriteAdvice}");
        var dtype = dtypeElement.GetString()!;
        if (!SafetensorsDtype.TryGet(dtype, out _))
            throw SharpTuneInputException.At(path, null, $"{name}.dtype",
                $"unknown dtype \"{dtype}\"; use one of {SafetensorsDtype.SupportedNames}");

        var shape = ReadIntegers(path, name, value, "shape");
        var offsets = ReadIntegers(path, name, value, "data_offsets");
        if (offsets.Length != 2)
            throw SharpTuneInputException.At(path, null, $"{name}.data_offsets", $"expected [begin, end], found {offsets.Length} numbers; {RewriteAdvice}");

        return new SafetensorsTensorInfo(name, dtype, shape, offsets[0], offsets[1]);
    }

    static long[] ReadIntegers(string path, string name, JsonElement tensor, string field)
    {
        if (!tensor.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
            throw SharpTuneInputException.At(path, null, $"{name}.{field}", $"missing or not an array; {RewriteAdvice}");

        var values = new long[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var number) || number < 0)
                throw SharpTuneInputException.At(path, null, $"{name}.{field}",
                    $"entry {i} is {item.GetRawText()}, not a non-negative 64-bit integer; {RewriteAdvice}");
            values[i++] = number;
        }
        return values;
    }

    static void CheckLayout(string path, List<SafetensorsTensorInfo> tensors, long dataLength)
    {
        long expectedBegin = 0;
        foreach (var tensor in tensors)
        {
            var field = $"{tensor.Name}.data_offsets";
            var offsets = $"[{tensor.Begin}, {tensor.End}]";
            if (tensor.End < tensor.Begin)
                throw SharpTuneInputException.At(path, null, field, $"{offsets} ends before it begins; {RewriteAdvice}");

            var expectedBytes = ByteLength(path, tensor);
            if (tensor.ByteLength != expectedBytes)
                throw SharpTuneInputException.At(path, null, field,
                    $"{offsets} spans {tensor.ByteLength} bytes but shape [{string.Join(", ", tensor.Shape)}] of {tensor.Dtype} needs {expectedBytes}; {RewriteAdvice}");

            if (tensor.End > dataLength)
                throw SharpTuneInputException.At(path, null, field,
                    $"{offsets} runs past the end of the data section, which holds {dataLength} bytes; the file is truncated, so download or save it again");

            if (tensor.Begin != expectedBegin)
            {
                var problem = tensor.Begin < expectedBegin ? "overlaps the previous tensor" : "leaves a gap after the previous tensor";
                throw SharpTuneInputException.At(path, null, field, $"{offsets} {problem}, which should end at {expectedBegin}; {RewriteAdvice}");
            }
            expectedBegin = tensor.End;
        }

        if (expectedBegin != dataLength)
            throw SharpTuneInputException.At(path, null, "header",
                $"the tensors cover {expectedBegin} bytes of data but the file holds {dataLength}; {RewriteAdvice}");
    }

    static long ByteLength(string path, SafetensorsTensorInfo tensor)
    {
        SafetensorsDtype.TryGet(tensor.Dtype, out var dtype);
        try
        {
            long bits = dtype.Bits;
            foreach (var dim in tensor.Shape)
                bits = checked(bits * dim);
            if (bits % 8 != 0)
                throw SharpTuneInputException.At(path, null, $"{tensor.Name}.shape",
                    $"{tensor.Dtype} data of this shape does not fill whole bytes; {RewriteAdvice}");
            return bits / 8;
        }
        catch (OverflowException)
        {
            throw SharpTuneInputException.At(path, null, $"{tensor.Name}.shape", $"the element count overflows 64 bits; {RewriteAdvice}");
        }
    }
}
