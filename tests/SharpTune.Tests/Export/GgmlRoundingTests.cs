using SharpTune.Export;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests.Export;

/// <summary>
/// The tensor-side rounding that GGUF previews use, against hand-computed ggml blocks and against the byte encoder
/// followed by an independent decoder.
/// </summary>
public class GgmlRoundingTests
{
    // max |x| = 127 gives d = 1 (exact in f16), so x / d = x and the ties sit at exact halves.
    static float[] TieBlock()
    {
        var block = new float[32];
        float[] head = [127f, 2.5f, -2.5f, 0.5f, -0.5f, 1.5f, 126.5f, 0.49f];
        head.CopyTo(block, 0);
        return block;
    }

    static float[] RoundTrip(float[] values, GgmlType type)
    {
        using var input = tensor(values);
        using var output = GgmlRounding.RoundTrip(input, type);
        return output.data<float>().ToArray();
    }

    [Fact]
    public void Q8_0_round_trip_rounds_ties_away()
    {
        var values = RoundTrip(TieBlock(), GgmlType.Q8_0);

        // roundf: 2.5 → 3, -2.5 → -3, 0.5 → 1, -0.5 → -1, 1.5 → 2, 126.5 → 127, 0.49 → 0 (torch.round would give 2, -2, 0, 0).
        Assert.Equal([127f, 3f, -3f, 1f, -1f, 2f, 127f, 0f], values.Take(8));
    }

    [Fact]
    public void Q8_0_encoder_rounds_ties_away()
    {
        var bytes = GgmlQuantizer.Encode(TieBlock(), GgmlType.Q8_0);

        Assert.Equal((Half)1f, System.Buffers.Binary.BinaryPrimitives.ReadHalfLittleEndian(bytes));
        Assert.Equal([127, 3, -3, 1, -1, 2, 127, 0], bytes.Skip(2).Take(8).Select(b => (int)(sbyte)b));
    }

    [Fact]
    public void Q8_0_zero_block_stays_zero()
    {
        Assert.All(GgmlQuantizer.Encode(new float[32], GgmlType.Q8_0), b => Assert.Equal(0, b));
        Assert.All(RoundTrip(new float[32], GgmlType.Q8_0), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Q8_0_scale_is_rounded_to_f16()
    {
        // max |x| = 1 gives d = 1/127 = 0.007874016, whose nearest f16 is 0.007873535 (2^-7 · 1.0078125).
        var block = new float[32];
        block[0] = 1f;

        var values = RoundTrip(block, GgmlType.Q8_0);

        Assert.Equal(127 * 0.007873535f, values[0], 6);
        Assert.NotEqual(1f, values[0]);
    }

    [Fact]
    public void Q4_0_scale_uses_first_largest_value()
    {
        // 16 before -16: d = 16 / -8 = -2; x = -16 → trunc(8 + 8.5) = 16, clamped to 15 → (15 - 8) · -2 = -14.
        var block = new float[32];
        block[0] = 16f;
        block[1] = -16f;
        block[2] = 3f;   // 3 / -2 + 8.5 = 7 → (7 - 8) · -2 = 2

        var values = RoundTrip(block, GgmlType.Q4_0);

        Assert.Equal([16f, -14f, 2f], values.Take(3));
    }

    [Fact]
    public void F16_round_trip_rounds_to_nearest_even()
    {
        // 1 + 2^-11 lies halfway between f16 neighbours 1 and 1 + 2^-10; ties go to the even one, 1.
        Assert.Equal(1f, RoundTrip([1f + 1f / 2048], GgmlType.F16)[0]);
    }

    [Fact]
    public void Block_types_need_whole_blocks()
    {
        using var row = zeros(172);

        Assert.Throws<ArgumentException>(() => GgmlRounding.RoundTrip(row, GgmlType.Q8_0));
    }

    [Theory]
    [InlineData(GgmlType.Q8_0, GgmlType.Q8_0)]
    [InlineData(GgmlType.Q4_0, GgmlType.Q8_0)]
    [InlineData(GgmlType.F16, GgmlType.F16)]
    [InlineData(GgmlType.F32, GgmlType.F32)]
    public void Activation_type_follows_ggml_vec_dot_type(GgmlType weight, GgmlType activation)
    {
        Assert.Equal(activation, GgmlRounding.ActivationType(weight));
    }

    [Theory]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.F16)]
    public void Preview_weights_equal_encoded_and_decoded_export(GgmlType type)
    {
        using var encoded = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
        using var preview = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
        GgmlDequantizer.RoundTrip(encoded, type);

        GgufPreview.Apply(preview, type, GgufPreviewMode.Weights);

        using var scope = NewDisposeScope();
        var mismatched = encoded.CheckpointTensors().Zip(preview.CheckpointTensors())
            .Where(pair => !pair.First.Tensor.eq(pair.Second.Tensor).all().item<bool>())
            .Select(pair => pair.First.Name)
            .ToList();
        Assert.Empty(mismatched);
    }
}
