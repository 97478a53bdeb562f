using SharpTune.Precision;
using static TorchSharp.torch;

namespace SharpTune.Tests.Precision;

/// <summary>The 4-bit linear layer against a plain linear layer holding its dequantized weight.</summary>
public sealed class QuantizedLinearTests
{
    [Fact]
    public void InputGradient_MatchesDequantizedLinear()
    {
        var generator = new TorchSharp.torch.Generator(3);
        using var source = nn.Linear(128, 64, hasBias: false);
        using var layer = new QuantizedLinear(source, FourBitType.Nf4);
        using var weight = layer.DequantizedWeight(ScalarType.Float32);
        using var x = randn([2, 5, 128], generator: generator).requires_grad_(true);
        using var reference = x.detach().clone().requires_grad_(true);
        using var upstream = randn([2, 5, 64], generator: generator);

        using (var scope = NewDisposeScope())
        {
            (layer.forward(x) * upstream).sum().backward();
            (nn.functional.linear(reference, weight) * upstream).sum().backward();
        }
        using var difference = (x.grad! - reference.grad!).abs().max();

        Assert.True(difference.item<float>() < 1e-5, $"input gradients differ by {difference.item<float>()}");
    }
}
