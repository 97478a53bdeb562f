using SharpTune.Data;
using SharpTune.Mechanisms.Heads;
using SharpTune.Models.Llama;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Objectives;

/// <summary>
/// Cross-entropy of a classification head on the pooled hidden states of the frozen backbone. Each row's class
/// id sits in <see cref="Batch.Labels"/> at one position (the last text token) and every other label is
/// <see cref="Batch.IgnoreIndex"/>; one loss term per row.
/// </summary>
public sealed class ClassifyObjective(ClassificationHead head) : ITrainingObjective
{
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
        var logits = Logits(model, batch);                                  // [b, classes]
        var targets = batch.Labels.max(1).values.to(model.Device);          // [b], -100 for an unlabelled row
        var loss = nn.functional.cross_entropy(logits.to(ScalarType.Float32), targets,
            ignore_index: Batch.IgnoreIndex, reduction: nn.Reduction.Sum);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Returns class logits <c>[batch, classes]</c> for a collated batch.</summary>
    public Tensor Logits(LlamaForCausalLM model, Batch batch)
    {
        using var scope = NewDisposeScope();
        var device = model.Device;
        // Head tuning freezes the backbone (HeadModel.Attach), so its forward pass records no autograd graph and
        // stops at the final norm: no vocabulary-sized logits. no_grad makes the first hold even if an input
        // required grad; a backbone with trainable parameters keeps autograd on.
        bool frozen = !model.model.parameters().Any(p => p.requires_grad);
        Tensor hidden;                                                                                   // [b, s, hidden]
        using (frozen ? no_grad() : null)
            hidden = model.model.Forward(batch.InputIds.to(device), batch.PositionIds.to(device), null, null);
        var pooled = ClassificationHead.Pool(hidden, batch.SegmentIds.to(device).ne(0), head.Options.Pooling); // [b, hidden]
        return head.forward(pooled).MoveToOuterDisposeScope();
    }
}
