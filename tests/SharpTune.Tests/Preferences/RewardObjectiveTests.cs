using SharpTune.Data;
using SharpTune.Objectives;
using SharpTune.Training;
using static SharpTune.Tests.Preferences.PreferenceMaterial;
using static SharpTune.Tests.Training.TrainingMaterial;
using static TorchSharp.torch;

namespace SharpTune.Tests.Preferences;

[Collection(Training.TrainingCollection.Name)]
public class RewardObjectiveTests
{
    static RewardObjective RandomHead(long hidden)
    {
        var objective = new RewardObjective(hidden, ScalarType.Float32, CPU);
        using (no_grad())
            objective.ValueHead.weight!.normal_(0, 1, generator: new Generator(5));
        return objective;
    }

    [Fact]
    public void Scores_LeftAndRightPaddingAgree()
    {
        using var model = LoadModel();
        var objective = RandomHead(model.Config.HiddenSize);
        var pairs = ShortPairs(count: 2, maxTokens: 120);
        var rows = pairs.SelectMany(p => new[] { p.Chosen, p.Rejected }).ToList();
        Assert.True(rows.Select(r => r.Length).Distinct().Count() > 1, "rows should differ in length, so both layouts pad");
        using var right = new Collator(0).Collate(rows);
        using var left = new Collator(0).Collate(rows, side: PaddingSide.Left);

        using var rightScores = objective.Scores(model, right);
        using var leftScores = objective.Scores(model, left);

        // The two layouts run attention over other lengths, so float32 rounding differs (measured 1.1e-5 on scores
        // near 10 from a head with unit-normal weights).
        Assert.InRange((rightScores - leftScores).abs().max().item<float>(), 0, 1e-4);
    }

    [Fact]
    public void Scores_PadEqualToEosChangesNothing()
    {
        using var model = LoadModel();
        using var tokenizer = LoadTokenizer();
        var objective = RandomHead(model.Config.HiddenSize);
        var rows = ShortPairs(count: 2, maxTokens: 120).SelectMany(p => new[] { p.Chosen, p.Rejected }).ToList();
        using var padZero = new Collator(0).Collate(rows);
        using var padEos = new Collator(tokenizer.EosId!.Value).Collate(rows);

        using var zeroScores = objective.Scores(model, padZero);
        using var eosScores = objective.Scores(model, padEos);

        Assert.Equal(zeroScores.data<float>().ToArray(), eosScores.data<float>().ToArray());
    }

    [Fact]
    public void Loss_ZeroHeadGivesLn2PerPair()
    {
        using var model = LoadModel();
        var objective = new RewardObjective(model.Config.HiddenSize, ScalarType.Float32, CPU);
        using var batch = Source(ShortPairs(count: 3, maxTokens: 120)).Collate([0, 1, 2]);

        using var loss = objective.LossSum(model, batch);

        Assert.Equal(3 * Math.Log(2), loss.item<float>(), 1e-5);
    }

    // Hand computation: p = 0.6, n = 100, z = 1.95996 gives center 0.59631 and half-width 0.09430.
    [Fact]
    public void WilsonInterval_MatchesHandComputation()
    {
        var (low, high) = new PreferenceMetrics(0.6, 0, 0, 0, 100).AccuracyInterval();

        Assert.Equal(0.502002, low, 1e-5);
        Assert.Equal(0.690598, high, 1e-5);
    }
}
