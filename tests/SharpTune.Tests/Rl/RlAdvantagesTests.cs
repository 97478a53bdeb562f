using SharpTune.Objectives.Rl;
using SharpTune.Recipes;
using static TorchSharp.torch;

namespace SharpTune.Tests.Rl;

/// <summary>How each algorithm turns scores and the KL into per-token advantages, against hand-worked values.</summary>
public class RlAdvantagesTests
{
    [Fact]
    public void Ppo_PenalisesEachTokenAndAddsScoreAtTheEnd()
    {
        // Rewards −0.5·k1 = [−0.05, −0.1, −0.15], plus the score 2 at the last token: [−0.05, −0.1, 1.85].
        // With V = 0 and γ = λ = 1, advantages and returns are the reward-to-go [1.7, 1.75, 1.85].
        // Whitened: mean 1.76667, unbiased std 0.076376, so [−0.87287, −0.21822, 1.09109].
        var rl = new RlOptions { Algorithm = RlAlgorithm.Ppo, Gamma = 1, Lam = 1 };
        using var kl = tensor(new[] { 0.1f, 0.2f, 0.3f, 0f }, [1, 4]);
        using var values = zeros(1, 4);
        using var mask = tensor(new[] { 1f, 1f, 1f, 0f }, [1, 4]);

        var (advantages, returns) = RlAdvantages.Compute(rl, [2f], kl, values, mask, [3], klCoef: 0.5);

        Assert.Equal([-0.87287f, -0.21822f, 1.09109f, 0f], advantages.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-4);
        Assert.Equal([1.7f, 1.75f, 1.85f, 0f], returns!.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public void Rloo_SubtractsKlThenTheOtherSamplesReward()
    {
        // Sequence rewards 1 − 0.5·(0.1 + 0.1) = 0.9 and 3 − 0 = 3; with two samples each baseline is the other's.
        var rl = new RlOptions { Algorithm = RlAlgorithm.Rloo, NumGenerations = 2 };
        using var kl = tensor(new[] { 0.1f, 0.1f, 0f, 0f }, [2, 2]);
        using var mask = tensor(new[] { 1f, 1f, 1f, 0f }, [2, 2]);

        var (advantages, returns) = RlAdvantages.Compute(rl, [1f, 3f], kl, null, mask, [2, 1], klCoef: 0.5);

        Assert.Equal([-2.1f, -2.1f, 2.1f, 0f], advantages.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Null(returns);
    }

    [Fact]
    public void Grpo_IgnoresKlInTheAdvantage()
    {
        // Scores [1, 3]: mean 2, unbiased std √2, so ±1/(√2 + 1e-4) = ±0.707057 on every token of each response.
        var rl = new RlOptions { Algorithm = RlAlgorithm.Grpo, NumGenerations = 2 };
        using var kl = tensor(new[] { 5f, 5f, 0f, 0f }, [2, 2]);
        using var mask = ones(2, 2);

        var (advantages, _) = RlAdvantages.Compute(rl, [1f, 3f], kl, null, mask, [2, 2], klCoef: 0.5);

        Assert.Equal([-0.707057f, -0.707057f, 0.707057f, 0.707057f], advantages.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
    }
}
