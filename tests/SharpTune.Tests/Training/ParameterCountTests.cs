using SharpTune.Precision;
using SharpTune.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Tests.Training;

/// <summary>Parameter counts of plain and quantized linear layers.</summary>
public class ParameterCountTests
{
    [Fact]
    public void QuantizedLinear_CountsLogicalWeights()
    {
        // 128 × 64 weights and 128 biases, whether stored as float32 parameters or as NF4 buffers.
        using var source = nn.Linear(64, 128, hasBias: true);
        using var quantized = new QuantizedLinear(source, FourBitType.Nf4);

        var plain = ParameterCount.Of(source);
        var packed = ParameterCount.Of(quantized);

        Assert.Equal(128 * 64 + 128, plain.Total);
        Assert.Equal(128 * 64 + 128, packed.Total);
        Assert.Equal(0, packed.Trainable);
    }
}
