using SharpTune.Models.Bert;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Heads;

/// <summary>One text for sequence classification: token ids, including any [CLS] and [SEP], and a class id.</summary>
public sealed record EncoderSequenceExample(long[] InputIds, long Label);

/// <summary>
/// Sequence classification on a frozen BERT-family backbone: a trainable <see cref="ClassificationHead"/> on
/// pooled features (<see cref="BertModel.PooledFeatures"/>), as transformers' <c>BertForSequenceClassification</c>
/// with the encoder frozen.
/// </summary>
public sealed class EncoderSequenceClassifier : IDisposable
{
    public BertModel Backbone { get; }
    public ClassificationHead Head { get; }
    public EncoderPooling Pooling { get; }

    /// <summary>Freezes <paramref name="backbone"/> and builds the head from <paramref name="seed"/>.</summary>
    public EncoderSequenceClassifier(BertModel backbone, HeadOptions options, EncoderPooling pooling,
        IReadOnlyList<string> labels, long seed)
    {
        EncoderHeadTraining.Freeze(backbone);
        var reference = backbone.embeddings.word_embeddings.weight!;
        Backbone = backbone;
        Pooling = pooling;
        Head = EncoderHeadTraining.CreateHead(options, backbone.Config.HiddenSize, labels, reference.dtype, reference.device, seed);
    }

    /// <summary>Returns class logits <c>[batch, classes]</c> for the given examples.</summary>
    public Tensor Logits(IReadOnlyList<EncoderSequenceExample> examples)
    {
        using var scope = NewDisposeScope();
        var device = Head.layers[0].weight!.device;
        var (ids, mask) = EncoderBatch.Pad(examples.Select(e => e.InputIds).ToList(), Backbone.Config.PadTokenId, device);
        Tensor features;
        using (no_grad())
            features = Backbone.PooledFeatures(ids, mask, Pooling);                            // [b, hidden]
        return Head.forward(features).MoveToOuterDisposeScope();                                // [b, classes]
    }

    /// <summary>Trains the head with cross-entropy and returns the mean loss of each epoch.</summary>
    public IReadOnlyList<double> Train(IReadOnlyList<EncoderSequenceExample> examples, EncoderHeadTrainingOptions options) =>
        EncoderHeadTraining.Fit(Head, examples.Count, indices =>
        {
            var batch = indices.Select(i => examples[i]).ToList();
            var labels = tensor(batch.Select(e => e.Label).ToArray(), device: Head.layers[0].weight!.device);
            return (Logits(batch), labels);
        }, options);

    /// <summary>Computes accuracy, macro-F1 and the majority-class rate on <paramref name="examples"/>.</summary>
    public ClassificationMetrics Evaluate(IReadOnlyList<EncoderSequenceExample> examples, int batchSize = 64)
    {
        var predicted = new List<long>();
        using (no_grad())
        {
            for (int start = 0; start < examples.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var batch = examples.Skip(start).Take(batchSize).ToList();
                predicted.AddRange(Logits(batch).argmax(1).cpu().data<long>().ToArray());
            }
        }
        return ClassificationMetrics.FromPredictions(examples.Select(e => e.Label).ToList(), predicted, Head.Labels.Count);
    }

    public void Dispose() => Head.Dispose();
}
