using System.Buffers.Binary;
using SharpTune.Models.Safetensors;
using TorchSharp;
using static TorchSharp.torch;
using static SharpTune.Tests.Models.SafetensorsTestFiles;

namespace SharpTune.Tests.Models;

public class SafetensorsReaderTests
{
    static string StoriesFile => Path.Combine(TestPaths.Stories260k, "model.safetensors");

    [Fact]
    public void Stories_EmbeddingShapeAndDtype()
    {
        using var reader = SafetensorsReader.Open(StoriesFile);

        var info = reader.GetInfo("model.embed_tokens.weight");

        Assert.Equal([512L, 64L], info.Shape);
        Assert.Equal("F32", info.Dtype);
        Assert.Equal(ScalarType.Float32, info.ScalarType);
    }

    [Fact]
    public void Stories_TensorCount()
    {
        using var reader = SafetensorsReader.Open(StoriesFile);

        // 5 layers x 9 weights, plus embed_tokens, lm_head and the final norm.
        Assert.Equal(5 * 9 + 3, reader.Names.Count);
    }

    [Theory]
    [InlineData("self_attn.q_proj.weight", 64, 64)] // 8 heads x head_dim 8
    [InlineData("self_attn.k_proj.weight", 32, 64)] // 4 kv heads x head_dim 8
    [InlineData("self_attn.v_proj.weight", 32, 64)]
    [InlineData("self_attn.o_proj.weight", 64, 64)]
    [InlineData("mlp.gate_proj.weight", 172, 64)]
    [InlineData("mlp.up_proj.weight", 172, 64)]
    [InlineData("mlp.down_proj.weight", 64, 172)]
    public void Stories_LayerMatrixShapes(string suffix, long rows, long columns)
    {
        using var reader = SafetensorsReader.Open(StoriesFile);

        for (var layer = 0; layer < 5; layer++)
            Assert.Equal([rows, columns], reader.GetInfo($"model.layers.{layer}.{suffix}").Shape);
    }

    [Theory]
    [InlineData("input_layernorm.weight")]
    [InlineData("post_attention_layernorm.weight")]
    public void Stories_LayerNormShapes(string suffix)
    {
        using var reader = SafetensorsReader.Open(StoriesFile);

        for (var layer = 0; layer < 5; layer++)
            Assert.Equal([64L], reader.GetInfo($"model.layers.{layer}.{suffix}").Shape);
    }

    [Fact]
    public void Stories_FinalNormShape()
    {
        using var reader = SafetensorsReader.Open(StoriesFile);

        Assert.Equal([64L], reader.GetInfo("model.norm.weight").Shape);
    }

    [Fact]
    public void Stories_MetadataFormatPt()
    {
        using var reader = SafetensorsReader.Open(StoriesFile);

        Assert.Equal("pt", reader.Metadata["format"]);
    }

    [Fact]
    public void Stories_LmHeadEqualsEmbedding()
    {
        using var reader = SafetensorsReader.Open(StoriesFile);
        using var embedding = reader.GetTensor("model.embed_tokens.weight");
        using var lmHead = reader.GetTensor("lm_head.weight");

        Assert.Equal(embedding.bytes.ToArray(), lmHead.bytes.ToArray());
    }

    [Fact]
    public void Stories_EmbeddingMatchesRawBytes()
    {
        // Reads the same floats with plain file I/O at the offsets the header gives, as an independent reference.
        var file = File.ReadAllBytes(StoriesFile);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        using var reader = SafetensorsReader.Open(StoriesFile);
        var info = reader.GetInfo("model.embed_tokens.weight");
        var start = 8 + headerLength + (int)info.Begin;
        var expected = new float[512 * 64];
        for (var i = 0; i < expected.Length; i++)
            expected[i] = BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(start + 4 * i));

        using var embedding = reader.GetTensor("model.embed_tokens.weight");

        Assert.Equal(expected, embedding.data<float>().ToArray());
    }

    [Fact]
    public void HandWritten_Float32Values()
    {
        var dir = TestPaths.NewTempDir();
        var path = Write(dir, "a.safetensors",
            """{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}""",
            Float32Bytes(1.5f, -2.25f, 0f, 3e38f));
        using var reader = SafetensorsReader.Open(path);

        using var w = reader.GetTensor("w");

        Assert.Equal([2L, 2L], w.shape);
        Assert.Equal([1.5f, -2.25f, 0f, 3e38f], w.data<float>().ToArray());
    }

    [Fact]
    public void HandWritten_Int64Values()
    {
        var dir = TestPaths.NewTempDir();
        var path = Write(dir, "a.safetensors",
            """{"ids":{"dtype":"I64","shape":[3],"data_offsets":[0,24]}}""",
            Int64Bytes(1, -1, long.MaxValue));
        using var reader = SafetensorsReader.Open(path);

        using var ids = reader.GetTensor("ids");

        Assert.Equal([1L, -1L, long.MaxValue], ids.data<long>().ToArray());
    }

    [Theory]
    // IEEE half: 1.5 = 0x3E00, -2.25 = 0xC080. bfloat16 is the top half of a float32: 1.5 = 0x3FC0, -2.25 = 0xC010.
    [InlineData("F16", (ushort)0x3E00, (ushort)0xC080)]
    [InlineData("BF16", (ushort)0x3FC0, (ushort)0xC010)]
    public void HandWritten_HalfPrecisionValues(string dtype, ushort first, ushort second)
    {
        var dir = TestPaths.NewTempDir();
        var path = Write(dir, "a.safetensors",
            $$$"""{"h":{"dtype":"{{{dtype}}}","shape":[2],"data_offsets":[0,4]}}""",
            UInt16Bytes(first, second));
        using var reader = SafetensorsReader.Open(path);

        using var h = reader.GetTensor("h");
        using var asFloat = h.to(ScalarType.Float32);

        Assert.Equal([1.5f, -2.25f], asFloat.data<float>().ToArray());
    }

    [Theory]
    [InlineData("BOOL", ScalarType.Bool, 1)]
    [InlineData("U8", ScalarType.Byte, 1)]
    [InlineData("I8", ScalarType.Int8, 1)]
    [InlineData("I16", ScalarType.Int16, 2)]
    [InlineData("I32", ScalarType.Int32, 4)]
    [InlineData("F64", ScalarType.Float64, 8)]
    public void HandWritten_DtypeMapping(string dtype, ScalarType expected, int elementSize)
    {
        var dir = TestPaths.NewTempDir();
        var path = Write(dir, "a.safetensors",
            $$$"""{"t":{"dtype":"{{{dtype}}}","shape":[3],"data_offsets":[0,{{{3 * elementSize}}}]}}""",
            new byte[3 * elementSize]);
        using var reader = SafetensorsReader.Open(path);

        using var t = reader.GetTensor("t");

        Assert.Equal(expected, t.dtype);
    }

    [Fact]
    public void HandWritten_MetadataAndOrder()
    {
        var dir = TestPaths.NewTempDir();
        var path = Write(dir, "a.safetensors",
            """{"z":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__metadata__":{"format":"pt","note":"hi"},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""",
            Float32Bytes(1f, 2f));
        using var reader = SafetensorsReader.Open(path);

        Assert.Equal("hi", reader.Metadata["note"]);
        Assert.Equal(["z", "a"], reader.Names);
    }

    [Fact]
    public void HandWritten_ScalarAndEmptyTensors()
    {
        var dir = TestPaths.NewTempDir();
        var path = Write(dir, "a.safetensors",
            """{"empty":{"dtype":"F32","shape":[0,4],"data_offsets":[0,0]},"scalar":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}""",
            Float32Bytes(7f));
        using var reader = SafetensorsReader.Open(path);

        using var empty = reader.GetTensor("empty");
        using var scalar = reader.GetTensor("scalar");

        Assert.Equal([0L, 4L], empty.shape);
        Assert.Empty(scalar.shape);
        Assert.Equal(7f, scalar.item<float>());
    }

    [Fact]
    public void GetTensor_OutlivesReaderAndFile()
    {
        var dir = TestPaths.NewTempDir();
        var path = Write(dir, "a.safetensors",
            """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""",
            Float32Bytes(4f, 5f));
        Tensor w;
        using (var reader = SafetensorsReader.Open(path))
            w = reader.GetTensor("w");

        File.WriteAllBytes(path, new byte[64]);

        Assert.Equal([4f, 5f], w.data<float>().ToArray());
        w.Dispose();
    }

    [Fact]
    public void GetTensor_AfterDisposeThrows()
    {
        var reader = SafetensorsReader.Open(Path.Combine(TestPaths.Stories260k, "model.safetensors"));
        reader.Dispose();

        Assert.Throws<ObjectDisposedException>(() => reader.GetTensor("model.norm.weight"));
    }

    [Fact]
    public void GetTensor_UnknownNameNamesFile()
    {
        using var reader = SafetensorsReader.Open(StoriesFile);

        var error = Assert.Throws<SharpTuneInputException>(() => reader.GetTensor("model.missing.weight"));

        Assert.Contains(StoriesFile, error.Message);
        Assert.Contains("model.missing.weight", error.Message);
    }

    [Fact]
    public void GetTensor_Float8Rejected()
    {
        var dir = TestPaths.NewTempDir();
        var path = Write(dir, "a.safetensors",
            """{"q":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}""",
            new byte[2]);
        using var reader = SafetensorsReader.Open(path);

        var error = Assert.Throws<SharpTuneInputException>(() => reader.GetTensor("q"));

        Assert.Contains("F8_E4M3", error.Message);
    }
}
