using SharpTune.Precision;
using static TorchSharp.torch;

namespace SharpTune.Tests.Precision;

public class Int8TensorTests
{
    [Fact]
    public void RoundTrip_WithinHalfAStepOfItsRow()
    {
        // Rows with absmax from 1e-3 to 1e3: each element is rounded to a multiple of absmax/127, so off by at most half of that.
        var generator = new TorchSharp.torch.Generator(11);
        using var scale = pow(10, linspace(-3, 3, 64)).unsqueeze(1);                 // [64, 1]
        using var weight = randn([64, 300], generator: generator) * scale;           // [64, 300]
        using var quantized = Int8Tensor.Quantize(weight);
        using var restored = quantized.Dequantize(ScalarType.Float32);

        using var bound = weight.abs().amax([1], keepdim: true) / 127 / 2;            // [64, 1]
        using var excess = ((restored - weight).abs() - bound * (1 + 1e-5)).max();   // 1e-5 covers float32 rounding
        Assert.True(excess.item<float>() <= 0, $"an element is off by {excess.item<float>():G3} more than its bound");
    }

    [Fact]
    public void RoundTrip_KeepsRowMaximumExactly()
    {
        using var weight = tensor(new[] { 0.5f, -2f, 1f, 0.25f, 3f, -1f }).reshape(2, 3);
        using var quantized = Int8Tensor.Quantize(weight);
        using var restored = quantized.Dequantize(ScalarType.Float32);

        // ±absmax maps to ±127 and back; -2/2·127 and 3/3·127 are exact.
        Assert.Equal([-2f, 3f], [restored[0, 1].item<float>(), restored[1, 1].item<float>()]);
        Assert.Equal(new sbyte[] { 32, -127, 64, 11, 127, -42 }, quantized.Codes.data<sbyte>().ToArray());
    }

    [Fact]
    public void StorageBytes_OneBytePerWeightAndFourPerRow()
    {
        using var weight = randn(64, 128);
        using var quantized = Int8Tensor.Quantize(weight);
        Assert.Equal(64 * 128 + 4 * 64, quantized.StorageBytes);
    }

    [Fact]
    public void ZeroRow_DequantizesToZero()
    {
        using var weight = zeros(2, 8);
        using var quantized = Int8Tensor.Quantize(weight);
        using var restored = quantized.Dequantize(ScalarType.Float32);
        Assert.Equal(0f, restored.abs().max().item<float>());
    }
}
