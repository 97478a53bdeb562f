using SharpTune.Objectives;
using static TorchSharp.torch;

namespace SharpTune.Tests.Preferences;

public class DpoLossTests
{
    // Policy log-probs (-1, -2) and reference log-probs (-1.5, -1) for the chosen and rejected responses give
    // h = (-1 + 1.5) - (-2 + 1) = 1.5. With beta 0.5: sigmoid loss ln(1 + e^-0.75) = 0.3868710061149 (Python math),
    // IPO (1.5 - 1/(2 * 0.5))^2 = 0.25, hinge max(0, 1 - 0.75) = 0.25.
    [Theory]
    [InlineData(DpoLossType.Sigmoid, 0.3868710061149)]
    [InlineData(DpoLossType.Ipo, 0.25)]
    [InlineData(DpoLossType.Hinge, 0.25)]
    public void PerPair_MatchesHandComputation(DpoLossType lossType, double expected)
    {
        using var loss = DpoLoss.PerPair(tensor(new[] { -1f }), tensor(new[] { -2f }), tensor(new[] { -1.5f }), tensor(new[] { -1f }),
            beta: 0.5, lossType);

        Assert.Equal(expected, loss.item<float>(), 1e-6);
    }

    [Fact]
    public void Sigmoid_PolicyEqualsReferenceGivesLn2()
    {
        var logProbs = tensor(new[] { -3.2f, -7.5f });
        using var loss = DpoLoss.PerPair(logProbs, logProbs, logProbs, logProbs, beta: 0.1, DpoLossType.Sigmoid);

        Assert.Equal(Math.Log(2), loss[0].item<float>(), 1e-6);
    }
}
