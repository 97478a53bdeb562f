using SharpTune.Models.Bert;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Heads;

/// <summary>
/// One text for token classification. <paramref name="WordIds"/> gives, per token, the index of the word it
/// belongs to, or null for special tokens such as [CLS] and [SEP] (what a fast tokenizer's <c>word_ids()</c>
/// returns); <paramref name="WordLabels"/> gives one class id per word.
/// </summary>
public sealed record EncoderTokenExample(long[] InputIds, int?[] WordIds, long[] WordLabels)
{
    /// <summary>
    /// Returns one label per token: the word's label on the first sub-token of each word and -100 (no loss, not
    /// scored) on special tokens and later sub-tokens, as transformers' token-classification examples align labels.
    /// </summary>
    public long[] TokenLabels()
    {
        if (WordIds.Length != InputIds.Length)
            throw new ArgumentException($"WordIds has {WordIds.Length} entries but InputIds has {InputIds.Length} tokens; give one word id (or null) per token");
        var labels = new long[InputIds.Length];
        int? previous = null;
        for (int i = 0; i < labels.Length; i++)
        {
            int? word = WordIds[i];
            labels[i] = word is null || word == previous ? EncoderHeadTraining.IgnoreIndex : WordLabels[word.Value];
            previous = word;
        }
        return labels;
    }
}

/// <summary>
/// Token classification (NER-style) on a frozen BERT-family backbone: a trainable <see cref="ClassificationHead"/>
/// applied to each token's last hidden state, as transformers' <c>BertForTokenClassification</c> with the encoder frozen.
/// </summary>
public sealed class EncoderTokenClassifier : IDisposable
{
    public BertModel Backbone { get; }
    public ClassificationHead Head { get; }

    /// <summary>Freezes <paramref name="backbone"/> and builds the head from <paramref name="seed"/>.</summary>
    public EncoderTokenClassifier(BertModel backbone, HeadOptions options, IReadOnlyList<string> labels, long seed)
    {
        EncoderHeadTraining.Freeze(backbone);
        var reference = backbone.embeddings.word_embeddings.weight!;
        Backbone = backbone;
        Head = EncoderHeadTraining.CreateHead(options, backbone.Config.HiddenSize, labels, reference.dtype, reference.device, seed);
    }

    /// <summary>
    /// Returns token logits flattened to <c>[batch * max_len, classes]</c> and the aligned labels <c>[batch * max_len]</c>,
    /// with -100 at padding, special tokens and non-first sub-tokens.
    /// </summary>
    public (Tensor Logits, Tensor Labels) TokenLogits(IReadOnlyList<EncoderTokenExample> examples)
    {
        using var scope = NewDisposeScope();
        var device = Head.layers[0].weight!.device;
        var (ids, mask) = EncoderBatch.Pad(examples.Select(e => e.InputIds).ToList(), Backbone.Config.PadTokenId, device);
        var (labels, _) = EncoderBatch.Pad(examples.Select(e => e.TokenLabels()).ToList(), EncoderHeadTraining.IgnoreIndex, device);
        Tensor hidden;
        using (no_grad())
        {
            using var output = Backbone.Forward(ids, mask);
            hidden = output.LastHiddenState.clone();                                           // [b, s, hidden]
        }
        var logits = Head.forward(hidden);                                                      // [b, s, classes]
        return (logits.flatten(0, 1).MoveToOuterDisposeScope(), labels.flatten().MoveToOuterDisposeScope());
    }

    /// <summary>Trains the head with cross-entropy over labelled words and returns the mean loss of each epoch.</summary>
    public IReadOnlyList<double> Train(IReadOnlyList<EncoderTokenExample> examples, EncoderHeadTrainingOptions options) =>
        EncoderHeadTraining.Fit(Head, examples.Count, indices => TokenLogits(indices.Select(i => examples[i]).ToList()), options);

    /// <summary>Computes accuracy, macro-F1 and the majority-class rate over labelled words (first sub-tokens).</summary>
    public ClassificationMetrics Evaluate(IReadOnlyList<EncoderTokenExample> examples, int batchSize = 64)
    {
        var truth = new List<long>();
        var predicted = new List<long>();
        using (no_grad())
        {
            for (int start = 0; start < examples.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var (logits, labels) = TokenLogits(examples.Skip(start).Take(batchSize).ToList());
                truth.AddRange(labels.cpu().data<long>().ToArray());
                predicted.AddRange(logits.argmax(1).cpu().data<long>().ToArray());
            }
        }
        // FromPredictions skips negative true ids, so -100 positions are not scored.
        return ClassificationMetrics.FromPredictions(truth, predicted, Head.Labels.Count);
    }

    public void Dispose() => Head.Dispose();
}
