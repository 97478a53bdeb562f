using SharpTune.Data;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>Runs batches through a model for training and evaluation.</summary>
public static class BatchForward
{
    /// <summary>Returns logits <c>[batch, seq, vocab]</c> for a collated batch, moving it to the model's device.</summary>
    public static Tensor Logits(LlamaForCausalLM model, Batch batch)
    {
        var device = model.Device;
        // Segment ids change the mask only when a row packs several examples. Right padding alone needs no mask
        // beyond the causal one, because real tokens never attend to the pads after them.
        // Left padding (segment 0 in the first column) needs the segment mask too, or real tokens attend to the pads.
        bool packed = batch.SegmentIds.max().item<long>() > 1;
        using var firstColumn = batch.SegmentIds.select(1, 0);
        bool leftPadded = firstColumn.eq(0).any().item<bool>();

        using var positions = Positions(model, batch);
        return model.Forward(batch.InputIds.to(device), batch.PositionIds.to(device),
            packed || leftPadded ? batch.SegmentIds.to(device) : null, promptPositions: positions);
    }

    /// <summary>
    /// Returns the prompt positions of <paramref name="batch"/> on the model's device when the model has a
    /// hidden-state hook (ReFT picks its positions relative to each row's prompt), else null.
    /// </summary>
    public static PromptPositions? Positions(LlamaForCausalLM model, Batch batch)
    {
        if (model.model.HiddenStateHook is null)
            return null;
        using var positions = PromptPositions.FromBatch(batch);
        return positions.To(model.Device);
    }

    /// <summary>Mean loss over a data set, without gradients, and the number of loss terms (target tokens by default).</summary>
    public static (double Loss, long Tokens) MeanLoss(LlamaForCausalLM model, IBatchSource source, int batchSize,
        ITrainingObjective? objective = null)
    {
        objective ??= CausalLmObjective.Instance;
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var guard = no_grad();
            double lossSum = 0;
            long tokens = 0;
            for (int start = 0; start < source.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var indices = Enumerable.Range(start, Math.Min(batchSize, source.Count - start)).ToList();
                using var batch = source.Collate(indices);
                lossSum += objective.LossSum(model, batch).item<float>();
                tokens += objective.TermCount(batch);
            }
            return (tokens == 0 ? double.NaN : lossSum / tokens, tokens);
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
