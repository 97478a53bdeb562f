using System.Buffers.Binary;
using SharpTune.Models.Safetensors;
using static SharpTune.Tests.Models.SafetensorsTestFiles;

namespace SharpTune.Tests.Models;

public class SafetensorsErrorTests
{
    static SharpTuneInputException OpenFails(string path) =>
        Assert.Throws<SharpTuneInputException>(() => SafetensorsReader.Open(path).Dispose());

    [Fact]
    public void Open_TruncatedData()
    {
        var dir = TestPaths.NewTempDir();
        var path = Write(dir, "a.safetensors",
            """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""",
            Float32Bytes(1f, 2f, 3f, 4f));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^4]);

        var error = OpenFails(path);

        Assert.StartsWith(path + ": w.data_offsets: ", error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Open_TruncatedHeader()
    {
        var dir = TestPaths.NewTempDir();
        var path = Write(dir, "a.safetensors",
            """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""",
            Float32Bytes(1f));
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..20]);

        var error = OpenFails(path);

        Assert.StartsWith(path + ": header: ", error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Open_ShorterThanLengthPrefix()
    {
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "a.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);

        var error = OpenFails(path);

        Assert.StartsWith(path + ": header: ", error.Message);
    }

    [Fact]
    public void Open_EmptyFile()
    {
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "a.safetensors");
        File.WriteAllBytes(path, []);

        var error = OpenFails(path);

        Assert.StartsWith(path + ": header: ", error.Message);
    }

    [Fact]
    public void Open_HeaderLengthAboveLimit()
    {
        var dir = TestPaths.NewTempDir();
        var path = Path.Combine(dir, "a.safetensors");
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        File.WriteAllBytes(path, bytes);

        var error = OpenFails(path);

        Assert.StartsWith(path + ": header: ", error.Message);
    }

    [Fact]
    public void Open_OffsetsPastEnd()
    {
        var dir = TestPaths.NewTempDir();
        var path = Write(dir, "a.safetensors",
            """{"w":{"dtype":"F32","shape":[100],"data_offsets":[0,400]}}""",
            Float32Bytes(1f, 2f, 3f, 4f));

        var error = OpenFails(path);

        Assert.StartsWith(path + ": w.data_offsets: ", error.Message);
    }

    [Fact]
    public void Open_SizeDisagreesWithShape()
    {
        var dir = TestPaths.NewTempDir();
        var path = Write(dir, "a.safetensors",
            """{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}""",
            Float32Bytes(1f, 2f, 3f, 4f));

        var error = OpenFails(path);

        Assert.StartsWith(path + ": w.data_offsets: ", error.Message);
        Assert.Contains("needs 12", error.Message);
    }

    [Fact]
    public void Open_OverlappingTensors()
    {
        var dir = TestPaths.NewTempDir();
        var path = Write(dir, "a.safetensors",
            """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""",
            Float32Bytes(1f, 2f, 3f));

        var error = OpenFails(path);

        Assert.StartsWith(path + ": b.data_offsets: ", error.Message);
        Assert.Contains("overlaps", error.Message);
    }

    [Fact]
    public void Open_GapBetweenTensors()
    {
        var dir = TestPaths.NewTempDir();
        var path = Write(dir, "a.safetensors",
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""",
            Float32Bytes(1f, 2f, 3f));

        var error = OpenFails(path);

        Assert.Contains("gap", error.Message);
    }

    [Fact]
    public void Open_TrailingBytes()
    {
        var dir = TestPaths.NewTempDir();
        var path = Write(dir, "a.safetensors",
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""",
            Float32Bytes(1f, 2f));

        var error = OpenFails(path);

        Assert.StartsWith(path + ": header: ", error.Message);
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}""")] // unclosed object
    [InlineData("""[1, 2]""")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}} x""")]
    public void Open_InvalidJson(string json)
    {
        var dir = TestPaths.NewTempDir();
        var path = Write(dir, "a.safetensors", json, Float32Bytes(1f));

        var error = OpenFails(path);

        Assert.StartsWith(path + ": header: ", error.Message);
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}""", "w.dtype")]
    [InlineData("""{"w":{"shape":[1],"data_offsets":[0,4]}}""", "w.dtype")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "w.shape")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", "w.data_offsets")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "w")]
    [InlineData("""{"__metadata__":{"n":1},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "__metadata__.n")]
    public void Open_InvalidEntry(string json, string field)
    {
        var dir = TestPaths.NewTempDir();
        var path = Write(dir, "a.safetensors", json, Float32Bytes(1f));

        var error = OpenFails(path);

        Assert.StartsWith($"{path}: {field}: ", error.Message);
    }

    [Fact]
    public void Open_MissingFile()
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "absent.safetensors");

        var error = OpenFails(path);

        Assert.StartsWith(path + ": ", error.Message);
    }
}
