using SharpTune.Data;
using SharpTune.Mechanisms.Heads;
using SharpTune.Objectives;
using SharpTune.Tests.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests.Mechanisms;

public sealed class ClassWeightTests
{
    [Fact]
    public void BalancedWeights_MatchHandCount()
    {
        // 4 rows and 3 classes. Class 0 has 3 rows, so 4 / (3 · 3), and class 1 has 1 row, so 4 / (3 · 1).
        // Class 2 has none.
        var weights = ClassifyObjective.BalancedWeights([0, 0, 1, 0], classes: 3);

        Assert.Equal(new[] { 4.0 / 9, 4.0 / 3, 0.0 }, weights);
    }

    [Fact]
    public void WeightedLoss_MatchesHandSum()
    {
        using var model = TrainingMaterial.LoadModel();
        using var tokenizer = TrainingMaterial.LoadTokenizer();
        var head = HeadModel.Attach(model, new HeadOptions(), ["a", "b"], seed: 1);
        double[] weights = [0.25, 3.0];
        var examples = new[] { "once upon a time", "the cat sat", "a big red ball" }
            .Select((text, i) => new TokenizedExample([1, .. tokenizer.Encode(text)], Labels(tokenizer.Encode(text).Count + 1, classId: i % 2)))
            .ToList();
        using var batch = Collator.For(tokenizer).Collate(examples);

        var objective = new ClassifyObjective(head, weights);
        using var loss = objective.LossSum(model, batch);
        using var logits = objective.Logits(model, batch);
        // Row i contributes w[y_i] · (log Σ_j exp z_ij − z_i,y_i); classes are 0, 1, 0.
        var z = logits.data<float>().ToArray();
        double expected = 0;
        for (int i = 0; i < 3; i++)
        {
            int y = i % 2;
            double logSumExp = Math.Log(Math.Exp(z[2 * i]) + Math.Exp(z[2 * i + 1]));
            expected += weights[y] * (logSumExp - z[2 * i + y]);
        }

        Assert.Equal(expected, loss.item<float>(), 5);
    }

    static long[] Labels(int length, int classId)
    {
        var labels = Enumerable.Repeat(Batch.IgnoreIndex, length).ToArray();
        labels[^1] = classId;
        return labels;
    }
}
