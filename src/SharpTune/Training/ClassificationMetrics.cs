using SharpTune.Models.Llama;
using SharpTune.Objectives;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>Accuracy and macro-F1 of a classification head on a data set, and the majority-class baseline.</summary>
/// <param name="Accuracy">Fraction of rows whose predicted class is the true class.</param>
/// <param name="MacroF1">Unweighted mean over classes of F1 = 2PR/(P+R); a class with no true and no predicted example counts 0.</param>
/// <param name="MajorityAccuracy">Accuracy of always predicting the most frequent true class of this data.</param>
/// <param name="Examples">Number of labelled rows scored.</param>
public sealed record ClassificationMetrics(double Accuracy, double MacroF1, double MajorityAccuracy, int Examples)
{
    public static ClassificationMetrics Evaluate(LlamaForCausalLM model, ClassifyObjective objective, IBatchSource source,
        int classes, int batchSize)
    {
        var truth = new List<long>();
        var predicted = new List<long>();
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var guard = no_grad();
            for (int start = 0; start < source.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var indices = Enumerable.Range(start, Math.Min(batchSize, source.Count - start)).ToList();
                using var batch = source.Collate(indices);
                truth.AddRange(batch.Labels.max(1).values.data<long>().ToArray());
                predicted.AddRange(objective.Logits(model, batch).argmax(1).cpu().data<long>().ToArray());
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        return FromPredictions(truth, predicted, classes);
    }

    /// <summary>Computes the metrics from class ids; rows whose true id is negative are skipped.</summary>
    public static ClassificationMetrics FromPredictions(IReadOnlyList<long> truth, IReadOnlyList<long> predicted, int classes)
    {
        var pairs = truth.Zip(predicted).Where(p => p.First >= 0).ToList();
        if (pairs.Count == 0)
            return new ClassificationMetrics(double.NaN, double.NaN, double.NaN, 0);
        double accuracy = pairs.Count(p => p.First == p.Second) / (double)pairs.Count;
        double f1Sum = 0;
        for (long c = 0; c < classes; c++)
        {
            int truePositive = pairs.Count(p => p.First == c && p.Second == c);
            int predictedCount = pairs.Count(p => p.Second == c);
            int actualCount = pairs.Count(p => p.First == c);
            f1Sum += predictedCount + actualCount == 0 ? 0 : 2.0 * truePositive / (predictedCount + actualCount);
        }
        double majority = pairs.GroupBy(p => p.First).Max(g => g.Count()) / (double)pairs.Count;
        return new ClassificationMetrics(accuracy, f1Sum / classes, majority, pairs.Count);
    }
}
