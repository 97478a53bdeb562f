using SharpTune.Data;
using SharpTune.Mechanisms.Heads;
using SharpTune.Models.Llama;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Objectives;

/// <summary>
/// Cross-entropy of a classification head on the pooled hidden states of the frozen backbone. Each row's class
/// id sits in <see cref="Batch.Labels"/> at one position (the last text token) and every other label is
/// <see cref="Batch.IgnoreIndex"/>. Each row adds one loss term, multiplied by its class's weight when
/// <paramref name="classWeights"/> (one weight per class id) is given.
/// </summary>
public sealed class ClassifyObjective(ClassificationHead head, IReadOnlyList<double>? classWeights = null) : ITrainingObjective
{
    /// <summary>
    /// Returns n / (classes · n_c) for each class c of the <paramref name="classIds"/> of n training rows (scikit-learn's
    /// "balanced" class weights). A class without rows gets weight 0.
    /// </summary>
    public static double[] BalancedWeights(IReadOnlyCollection<long> classIds, int classes)
    {
        var counts = new long[classes];
        foreach (var id in classIds)
            counts[id]++;
        return counts.Select(n => n == 0 ? 0.0 : classIds.Count / (double)(classes * n)).ToArray();
    }

    // The head is a child module of the model, so the trainer already finds its parameters there.
    public IEnumerable<(string Name, Parameter Parameter)> ExtraParameters => [];

    public long TermCount(Batch batch)
    {
        using var classes = batch.Labels.max(1).values;
        using var labelled = classes.ge(0);
        return labelled.sum().item<long>();
    }

    public Tensor LossSum(LlamaForCausalLM model, Batch batch)
    {
        using var scope = NewDisposeScope();
        var device = model.Device;
        var logits = Logits(model, batch);                                  // [b, classes]
        var targets = batch.Labels.max(1).values.to(device);          // [b], -100 for an unlabelled row
        // Summed, not averaged: the trainer divides by the row count (TermCount). Balanced weights average 1 over
        // the training rows, so the weighted sum keeps the unweighted loss's scale.
        var weight = classWeights is null ? null : tensor(classWeights.Select(w => (float)w).ToArray(), device: device);
        var loss = nn.functional.cross_entropy(logits.to(ScalarType.Float32), targets, weight,
            ignore_index: Batch.IgnoreIndex, reduction: nn.Reduction.Sum);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Returns class logits <c>[batch, classes]</c> for a collated batch.</summary>
    public Tensor Logits(LlamaForCausalLM model, Batch batch)
    {
        using var scope = NewDisposeScope();
        var device = model.Device;
        // Head tuning freezes the backbone (HeadModel.Attach), so its forward pass records no autograd graph. The
        // pass stops at the final norm, so no vocabulary-sized logits are computed. no_grad guarantees the first even
        // if an input requires grad. A backbone with trainable parameters keeps autograd on.
        bool frozen = !model.model.parameters().Any(p => p.requires_grad);
        Tensor hidden;                                                                                   // [b, s, hidden]
        using (frozen ? no_grad() : null)
            hidden = model.model.Forward(batch.InputIds.to(device), batch.PositionIds.to(device), null, null);
        var pooled = ClassificationHead.Pool(hidden, batch.SegmentIds.to(device).ne(0), head.Options.Pooling); // [b, hidden]
        return head.forward(pooled).MoveToOuterDisposeScope();
    }
}
