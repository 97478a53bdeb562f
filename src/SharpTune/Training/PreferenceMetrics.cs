using SharpTune.Objectives;
using SharpTune.Models.Llama;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// Preference metrics over a data set: the fraction of pairs whose chosen reward exceeds the rejected one
/// (ties count as wrong, as in TRL), the mean rewards and their mean margin.
/// </summary>
public sealed record PreferenceMetrics(double Accuracy, double ChosenReward, double RejectedReward, double Margin, int Pairs)
{
    /// <summary>
    /// Returns the 95% Wilson score interval of <see cref="Accuracy"/> over <see cref="Pairs"/> trials (Wilson, 1927),
    /// which stays inside [0, 1] and is accurate for small counts, unlike the normal approximation.
    /// </summary>
    public (double Low, double High) AccuracyInterval()
    {
        const double z = 1.959963984540054; // the 97.5% quantile of the standard normal
        double n = Pairs, p = Accuracy;
        double center = (p + z * z / (2 * n)) / (1 + z * z / n);
        double halfWidth = z * Math.Sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n);
        return (center - halfWidth, center + halfWidth);
    }

    /// <summary>Computes the metrics from the chosen and rejected reward of each pair.</summary>
    public static PreferenceMetrics FromRewards(IReadOnlyList<float> chosen, IReadOnlyList<float> rejected)
    {
        if (chosen.Count != rejected.Count || chosen.Count == 0)
            throw new ArgumentException($"expected the same positive number of chosen and rejected rewards, got {chosen.Count} and {rejected.Count}");
        int pairs = chosen.Count;
        double correct = chosen.Zip(rejected).Count(p => p.First > p.Second);
        double chosenMean = chosen.Sum(r => (double)r) / pairs, rejectedMean = rejected.Sum(r => (double)r) / pairs;
        return new PreferenceMetrics(correct / pairs, chosenMean, rejectedMean, chosenMean - rejectedMean, pairs);
    }

    /// <summary>Evaluates DPO's implicit rewards β(log πθ − log πref) on <paramref name="source"/>.</summary>
    public static PreferenceMetrics Evaluate(LlamaForCausalLM model, DpoObjective objective, PreferenceBatchSource source, int batchSize) =>
        Evaluate(model, source, batchSize, objective.Rewards);

    /// <summary>Evaluates any scorer that returns chosen and rejected rewards <c>[pairs]</c> for a batch.</summary>
    public static PreferenceMetrics Evaluate(LlamaForCausalLM model, IBatchSource source, int batchSize,
        Func<LlamaForCausalLM, Data.Batch, (Tensor Chosen, Tensor Rejected)> rewards)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var guard = no_grad();
            double correct = 0, chosenSum = 0, rejectedSum = 0;
            int pairs = 0;
            for (int start = 0; start < source.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var indices = Enumerable.Range(start, Math.Min(batchSize, source.Count - start)).ToList();
                using var batch = source.Collate(indices);
                var (chosen, rejected) = rewards(model, batch);
                correct += chosen.gt(rejected).sum().item<long>();
                chosenSum += chosen.sum().item<float>();
                rejectedSum += rejected.sum().item<float>();
                pairs += (int)chosen.shape[0];
            }
            return new PreferenceMetrics(correct / pairs, chosenSum / pairs, rejectedSum / pairs, (chosenSum - rejectedSum) / pairs, pairs);
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
