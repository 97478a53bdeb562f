using SharpTune.Data;
using SharpTune.Models.Llama;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Objectives;

/// <summary>
/// Reference log-probabilities computed once before training and looked up by each row's tokens and labels, so
/// training needs neither a reference forward pass nor a reference copy.
/// </summary>
public sealed class PrecomputedReference : IReferenceLogProbs
{
    readonly Dictionary<string, float> logProbs = new(StringComparer.Ordinal);

    /// <summary>Number of distinct rows stored.</summary>
    public int Count => logProbs.Count;

    /// <summary>
    /// Runs <paramref name="reference"/> over every batch of <paramref name="sources"/> and stores each row's
    /// log-probability. Call it before the first optimizer step, while the policy still equals the reference.
    /// </summary>
    public static PrecomputedReference Compute(LlamaForCausalLM policy, IReferenceLogProbs reference, int batchSize,
        params IBatchSource?[] sources)
    {
        var result = new PrecomputedReference();
        bool wasTraining = policy.training;
        policy.eval();
        try
        {
            foreach (var source in sources.OfType<IBatchSource>())
            {
                for (int start = 0; start < source.Count; start += batchSize)
                {
                    using var scope = NewDisposeScope();
                    var indices = Enumerable.Range(start, Math.Min(batchSize, source.Count - start)).ToList();
                    using var batch = source.Collate(indices);
                    var values = reference.LogProbs(policy, batch).cpu().data<float>().ToArray();
                    var keys = RowKeys(batch);
                    for (int row = 0; row < keys.Count; row++)
                        result.logProbs[keys[row]] = values[row];
                }
            }
        }
        finally
        {
            policy.train(wasTraining);
        }
        return result;
    }

    public Tensor LogProbs(LlamaForCausalLM policy, Batch batch)
    {
        var values = RowKeys(batch).Select(key => logProbs.TryGetValue(key, out var value)
            ? value
            : throw new InvalidOperationException("a batch row has no precomputed reference log-probability; precompute over every data source the objective sees")).ToArray();
        return tensor(values, ScalarType.Float32, policy.Device);
    }

    /// <summary>Keys each row by its non-padding token ids and labels, which fix its log-probability.</summary>
    static List<string> RowKeys(Batch batch)
    {
        int rows = (int)batch.InputIds.shape[0], length = (int)batch.InputIds.shape[1];
        var ids = batch.InputIds.cpu().data<long>().ToArray();
        var labels = batch.Labels.cpu().data<long>().ToArray();
        var segments = batch.SegmentIds.cpu().data<long>().ToArray();
        var keys = new List<string>(rows);
        for (int row = 0; row < rows; row++)
        {
            var parts = Enumerable.Range(row * length, length).Where(i => segments[i] != 0).Select(i => $"{ids[i]}:{labels[i]}");
            keys.Add(string.Join(',', parts));
        }
        return keys;
    }
}
