using SharpTune.Objectives.Rl;
using static TorchSharp.torch;

namespace SharpTune.Tests.Rl;

/// <summary>The RLHF building blocks against values worked out by hand.</summary>
public class RlMathTests
{
    [Fact]
    public void Gae_ThreeTokens_MatchesHandComputation()
    {
        // γ = 0.9, λ = 0.8, V after the last token = 0:
        // t=2: δ = 2 − 1.5 = 0.5, A = 0.5;  t=1: δ = 0.9·1.5 − 1 = 0.35, A = 0.35 + 0.72·0.5 = 0.71;
        // t=0: δ = 1 + 0.9·1 − 0.5 = 1.4, A = 1.4 + 0.72·0.71 = 1.9112. Returns are A + V.
        var (advantages, returns) = Gae.Compute([1f, 0f, 2f], [0.5f, 1.0f, 1.5f], gamma: 0.9, lam: 0.8);

        Assert.Equal([1.9112f, 0.71f, 0.5f], advantages, (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Equal([2.4112f, 1.71f, 2.0f], returns, (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public void Gae_Rows_StopAtEachLengthAndZeroThePadding()
    {
        // Row 1 has one token: A = r − V = 3 − 1 = 2, whatever follows in the padding.
        using var rewards = tensor(new[] { 1f, 0f, 2f, 3f, 9f, 9f }, [2, 3]);
        using var values = tensor(new[] { 0.5f, 1.0f, 1.5f, 1f, 9f, 9f }, [2, 3]);

        var (advantages, returns) = Gae.Compute(rewards, values, [3, 1], gamma: 0.9, lam: 0.8);

        Assert.Equal([1.9112f, 0.71f, 0.5f, 2f, 0f, 0f], advantages.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Equal(3f, returns[1, 0].item<float>(), 5);
    }

    // Four tokens with ε = 0.2: (ρ, A) = (1.5, 1) clips to −1.2; (0.5, 1) stays −0.5; (0.5, −2) clips to 1.6;
    // (1.1, −1) stays 1.1. Mean (−1.2 − 0.5 + 1.6 + 1.1)/4 = 0.25, and two of four tokens are clipped.
    static (Tensor LogProbs, Tensor Old, Tensor Advantages) ClipCase() =>
        (tensor(new[] { Math.Log(1.5), Math.Log(0.5), Math.Log(0.5), Math.Log(1.1) }.Select(v => (float)v).ToArray(), [2, 2]),
         zeros(2, 2), tensor(new[] { 1f, 1f, -2f, -1f }, [2, 2]));

    [Fact]
    public void PpoPolicyLoss_TokenMean_MatchesHandComputation()
    {
        var (logProbs, old, advantages) = ClipCase();
        using var mask = ones(2, 2);

        var (loss, clipped) = PpoLoss.PolicyTerms(logProbs, old, advantages, cliprange: 0.2);

        Assert.Equal(0.25, (loss * PpoLoss.TokenMean(mask)).sum().item<float>(), 5);
        Assert.Equal(0.5, (clipped * PpoLoss.TokenMean(mask)).sum().item<float>(), 6);
    }

    [Fact]
    public void PpoPolicyLoss_SequenceMean_AveragesEachResponseFirst()
    {
        // Response 1 keeps both tokens (−1.2, −0.5), response 2 only its first (1.6): ((−1.7)/2 + 1.6)/2 = 0.375.
        var (logProbs, old, advantages) = ClipCase();
        using var mask = tensor(new[] { 1f, 1f, 1f, 0f }, [2, 2]);

        var (loss, _) = PpoLoss.PolicyTerms(logProbs, old, advantages, cliprange: 0.2);

        Assert.Equal(0.375, (loss * PpoLoss.SequenceMean(mask)).sum().item<float>(), 5);
    }

    [Fact]
    public void PpoValueLoss_ClipsAroundTheRolloutValue()
    {
        // Token 1: V = 1 moved 0.5 from Vold = 0.5, clipped to 0.7; errors 0 and 0.09, max 0.09 (clipped).
        // Token 2: V = 0.6 stays inside the range; both errors 0.36. Loss ½·(0.09 + 0.36)/2 = 0.1125.
        using var values = tensor(new[] { 1.0f, 0.6f }, [1, 2]);
        using var oldValues = tensor(new[] { 0.5f, 0.5f }, [1, 2]);
        using var returns = tensor(new[] { 1.0f, 0f }, [1, 2]);
        using var mask = ones(1, 2);

        var (loss, fraction) = PpoLoss.Value(values, oldValues, returns, mask, cliprangeValue: 0.2);

        Assert.Equal(0.1125, loss.item<float>(), 6);
        Assert.Equal(0.5, fraction, 6);
    }

    [Fact]
    public void GrpoAdvantages_NormaliseEachGroup()
    {
        // Group [1, 2, 3, 6]: mean 3, unbiased std sqrt(14/3) = 2.160247; a group of equal rewards gets 0.
        var advantages = GroupAdvantages.Grpo([1f, 2f, 3f, 6f, 5f, 5f, 5f, 5f], groupSize: 4);

        Assert.Equal([-0.925777f, -0.462889f, 0f, 1.388666f, 0f, 0f, 0f, 0f], advantages, (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public void RlooAdvantages_SubtractTheMeanOfTheOthers()
    {
        // Baselines (2+3+6)/3, (1+3+6)/3, (1+2+6)/3, (1+2+3)/3 = 11/3, 10/3, 3, 2.
        var advantages = GroupAdvantages.Rloo([1f, 2f, 3f, 6f], groupSize: 4);

        Assert.Equal(-8f / 3, advantages[0], 5);
        Assert.Equal(-4f / 3, advantages[1], 5);
        Assert.Equal(0f, advantages[2], 5);
        Assert.Equal(4f, advantages[3], 5);
    }

    [Fact]
    public void RlooAdvantages_PairsGetTheirDifference()
    {
        // With two samples the baseline is the other sample's reward.
        Assert.Equal([-4f, 4f, 2f, -2f], GroupAdvantages.Rloo([0f, 4f, 3f, 1f], groupSize: 2));
    }

    [Fact]
    public void GroupAdvantages_RejectRewardsThatDoNotSplitIntoGroups()
    {
        Assert.Throws<ArgumentException>(() => GroupAdvantages.Rloo([1f, 2f, 3f], groupSize: 2));
    }

    [Fact]
    public void K3_IsZeroAtEqualPolicyAndMatchesTheClosedForm()
    {
        // πθ = 0.5, πref = 0.25: r = πref/πθ = 0.5, k3 = r − ln r − 1 = 0.5 + ln 2 − 1 = 0.193147.
        using var logProbs = tensor(new[] { (float)Math.Log(0.5), -1.3f });
        using var refLogProbs = tensor(new[] { (float)Math.Log(0.25), -1.3f });

        var k3 = KlEstimators.K3(logProbs, refLogProbs).data<float>().ToArray();

        Assert.Equal(0.193147f, k3[0], 5);
        Assert.Equal(0f, k3[1]);
    }

    [Fact]
    public void AdaptiveKlController_FollowsZieglerUpdate()
    {
        var controller = new AdaptiveKlController(initial: 0.1, target: 6, horizon: 10000);

        // KL 9 is 50% over target, clipped to 20%: β·(1 + 0.2·1000/10000) = 0.102.
        controller.Update(currentKl: 9, samples: 1000);
        Assert.Equal(0.102, controller.Value, 10);
        // KL 5.4 is 10% under: 0.102·(1 − 0.1·500/10000) = 0.101490.
        controller.Update(currentKl: 5.4, samples: 500);
        Assert.Equal(0.10149, controller.Value, 10);
    }

    [Fact]
    public void FixedKlController_NeverMoves()
    {
        var controller = new FixedKlController(0.05);
        controller.Update(currentKl: 100, samples: 1000);
        Assert.Equal(0.05, controller.Value);
    }

    [Fact]
    public void Whitening_UsesMaskedMeanAndUnbiasedVariance()
    {
        // [1, 2, 3] has mean 2 and unbiased variance 1; the masked fourth value stays 0.
        using var values = tensor(new[] { 1f, 2f, 3f, 50f }, [2, 2]);
        using var mask = tensor(new[] { 1f, 1f, 1f, 0f }, [2, 2]);

        Assert.Equal([-1f, 0f, 1f, 0f], Whitening.Whiten(values, mask).data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
    }
}
