using System.Buffers.Binary;
using System.Text;
using SharpTune.Export;
using static TorchSharp.torch;

namespace SharpTune.Tests.Export;

public class GgufLayoutTests
{
    [Fact]
    public void Permutation_interleaves_head_halves()
    {
        // Two heads of dimension 4, one input column: HF rows (i, i + 2) pair up, llama.cpp pairs (2i, 2i + 1).
        using var weight = arange(8, dtype: ScalarType.Float32).reshape(8, 1);

        using var permuted = RopePermutation.ToInterleaved(weight, heads: 2);

        Assert.Equal([0f, 2f, 1f, 3f, 4f, 6f, 5f, 7f], permuted.data<float>().ToArray());
    }

    [Theory]
    [InlineData("model.embed_tokens.weight", "token_embd.weight")]
    [InlineData("model.layers.3.self_attn.k_proj.weight", "blk.3.attn_k.weight")]
    [InlineData("model.layers.0.self_attn.o_proj.weight", "blk.0.attn_output.weight")]
    [InlineData("model.layers.12.mlp.down_proj.weight", "blk.12.ffn_down.weight")]
    [InlineData("model.layers.1.post_attention_layernorm.weight", "blk.1.ffn_norm.weight")]
    [InlineData("model.norm.weight", "output_norm.weight")]
    [InlineData("lm_head.weight", "output.weight")]
    public void Tensor_names_follow_llama_cpp(string hfName, string ggufName)
    {
        Assert.Equal(ggufName, GgufTensorNames.Map(hfName));
    }

    [Fact]
    public void Writer_emits_header_and_aligned_data()
    {
        var writer = new GgufWriter();
        writer.Add("general.architecture", "llama");
        writer.AddTensor("t", [1, 2], GgmlType.F32, () => GgmlQuantizer.Encode([1f, 2f], GgmlType.F32));
        using var stream = new MemoryStream();

        writer.Write(stream);
        var bytes = stream.ToArray();

        Assert.Equal("GGUF", Encoding.ASCII.GetString(bytes, 0, 4));
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(1ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(1ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(16)));
        // The data section starts at a multiple of 32 and contains the two floats, and the file ends padded.
        Assert.Equal(0, bytes.Length % 32);
        Assert.Equal(2f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(bytes.Length - 32 + 4)));
    }

    [Fact]
    public void Writer_stores_dims_innermost_first()
    {
        var writer = new GgufWriter();
        writer.AddTensor("t", [3, 32], GgmlType.F16, () => new byte[3 * 32 * 2]);
        using var stream = new MemoryStream();

        writer.Write(stream);
        var bytes = stream.ToArray();

        // Header (24) + name length (8) + "t" (1) + n_dims (4), then ne[0], ne[1].
        Assert.Equal(32ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(37)));
        Assert.Equal(3ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(45)));
    }

    [Fact]
    public void SentencePiece_reads_stories260k_types()
    {
        var pieces = SentencePieceModel.Read(Path.Combine(TestPaths.Stories260k, "tok512.model"));

        Assert.Equal(512, pieces.Count);
        Assert.Equal(new SentencePiece("<unk>", 0, SentencePieceModel.Unknown), pieces[0]);
        Assert.Equal(SentencePieceModel.Control, pieces[1].Type);
        Assert.Equal(new SentencePiece("<0x00>", 0, SentencePieceModel.Byte), pieces[3]);
        Assert.Equal("▁time", pieces[378].Piece);
    }
}
