using System.Buffers.Binary;
using System.Text;
using SharpTune.Models.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Tests.Models;

public class SafetensorsWriterTests
{
    static string HeaderText(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        return Encoding.UTF8.GetString(bytes, 8, length);
    }

    [Fact]
    public void Save_HeaderMatchesPythonLayout()
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "x.safetensors");
        using var x = tensor(new[] { 1f, 2f });

        SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["x"] = x });

        // Compact JSON, __metadata__ first, fields in the order of the Rust crate's TensorInfo, padded to 88 bytes.
        const string Json = """{"__metadata__":{"format":"pt"},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
        Assert.Equal(Json.PadRight(88), HeaderText(path));
    }

    [Fact]
    public void Save_DataFollowsHeader()
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "x.safetensors");
        using var x = tensor(new[] { 1f, 2f });

        SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["x"] = x });

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(8 + 88 + 8, bytes.Length);
        Assert.Equal(SafetensorsTestFiles.Float32Bytes(1f, 2f), bytes[96..]);
    }

    [Fact]
    public void Save_OrdersByAlignmentThenName()
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "x.safetensors");
        using var bytes = zeros(3, dtype: ScalarType.Byte);
        using var floatB = zeros(1, dtype: ScalarType.Float32);
        using var floatA = zeros(1, dtype: ScalarType.Float32);
        using var longs = zeros(1, dtype: ScalarType.Int64);

        SafetensorsWriter.Save(path, new Dictionary<string, Tensor>
        {
            ["a_u8"] = bytes, ["c_f32"] = floatB, ["b_f32"] = floatA, ["d_i64"] = longs,
        });

        using var reader = SafetensorsReader.Open(path);
        Assert.Equal(["d_i64", "b_f32", "c_f32", "a_u8"], reader.Names);
    }

    [Fact]
    public void Save_HeaderPaddedToMultipleOf8()
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "x.safetensors");
        using var x = zeros(1);

        SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["abc"] = x });

        var header = HeaderText(path);
        Assert.Equal(0, header.Length % 8);
        Assert.EndsWith("} ", header);
    }

    [Fact]
    public void Save_CustomMetadataKeepsFormat()
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "x.safetensors");
        using var x = zeros(1);

        SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["x"] = x },
            new Dictionary<string, string> { ["step"] = "12" });

        using var reader = SafetensorsReader.Open(path);
        Assert.Equal("12", reader.Metadata["step"]);
        Assert.Equal("pt", reader.Metadata["format"]);
    }

    [Fact]
    public void Save_CallerFormatWins()
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "x.safetensors");
        using var x = zeros(1);

        SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["x"] = x },
            new Dictionary<string, string> { ["format"] = "mlx" });

        using var reader = SafetensorsReader.Open(path);
        Assert.Equal("mlx", reader.Metadata["format"]);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Int64)]
    public void RoundTrip_Bitwise(ScalarType dtype)
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "x.safetensors");
        var generator = new Generator(1234);
        using var normal = randn([3, 5, 7], generator: generator);
        using var scaled = normal.mul(1000);
        using var original = scaled.to(dtype);

        SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["t"] = original });
        using var reader = SafetensorsReader.Open(path);
        using var loaded = reader.GetTensor("t");

        Assert.Equal(dtype, loaded.dtype);
        Assert.Equal(original.shape, loaded.shape);
        Assert.Equal(original.bytes.ToArray(), loaded.bytes.ToArray());
    }

    [Fact]
    public void RoundTrip_NonFiniteFloatBits()
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "x.safetensors");
        // Raw float32 bit patterns: a NaN with payload, both infinities, negative zero and the smallest subnormal.
        var bits = new[] { 0x7FC01234, 0x7F800000, unchecked((int)0xFF800000), unchecked((int)0x80000000), 0x00000001 };
        using var original = tensor(bits.Select(BitConverter.Int32BitsToSingle).ToArray());

        SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["t"] = original });
        using var reader = SafetensorsReader.Open(path);
        using var loaded = reader.GetTensor("t");

        Assert.Equal(bits, loaded.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Save_TransposedTensorWrittenContiguous()
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "x.safetensors");
        using var range = arange(6, dtype: ScalarType.Float32);
        using var matrix = range.reshape(2, 3);
        using var transposed = matrix.t(); // [3, 2], strides (1, 3)

        SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["t"] = transposed });
        using var reader = SafetensorsReader.Open(path);
        using var loaded = reader.GetTensor("t");

        Assert.Equal([3L, 2L], loaded.shape);
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], loaded.data<float>().ToArray());
    }

    [Fact]
    public void Save_ReservedNameRejected()
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "x.safetensors");
        using var x = zeros(1);

        Assert.Throws<ArgumentException>(() =>
            SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["__metadata__"] = x }));
    }

    [Fact]
    public void Save_UnsupportedDtypeKeepsOldFile()
    {
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "x.safetensors");
        using var good = tensor(new[] { 1f, 2f });
        SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["good"] = good });
        var before = File.ReadAllBytes(path);
        using var complex = zeros(2, dtype: ScalarType.ComplexFloat64);

        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Save(path,
            new Dictionary<string, Tensor> { ["good"] = good, ["bad"] = complex }));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(dir));
    }

    [Fact]
    public void Save_FailureMidWriteKeepsOldFile()
    {
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "x.safetensors");
        using var good = tensor(new[] { 1f, 2f });
        SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["good"] = good });
        var before = File.ReadAllBytes(path);
        // A meta tensor has a shape and dtype, so the header is written, but it has no data to copy.
        using var meta = empty([4], ScalarType.Float32, device: META);

        Assert.ThrowsAny<Exception>(() => SafetensorsWriter.Save(path,
            new Dictionary<string, Tensor> { ["a_good"] = good, ["b_meta"] = meta }));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(dir));
    }

    [Fact]
    public void Save_LeavesInputsUsable()
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "x.safetensors");
        using var x = tensor(new[] { 1f, 2f });

        SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["x"] = x });

        Assert.Equal([1f, 2f], x.data<float>().ToArray());
    }

    [Fact]
    public void RoundTrip_ChunkedCopy()
    {
        // 12-byte steps split ten float32 values into slices of 3, 3, 3 and 1, the path tensors above 1 GiB take.
        var path = Path.Combine(TestPaths.NewTempDir(), "x.safetensors");
        using var range = arange(10, dtype: ScalarType.Float32);
        using var original = range.reshape(2, 5);

        SafetensorsWriter.SaveInChunks(path, new Dictionary<string, Tensor> { ["t"] = original }, null, chunkBytes: 12);
        using var reader = SafetensorsReader.Open(path);
        using var loaded = reader.GetTensorInChunks("t", chunkBytes: 12);

        Assert.Equal(SafetensorsTestFiles.Float32Bytes(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f), File.ReadAllBytes(path)[^40..]);
        Assert.Equal([0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f], loaded.data<float>().ToArray());
    }
}
