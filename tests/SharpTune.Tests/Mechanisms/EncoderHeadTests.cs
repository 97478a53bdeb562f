using System.Runtime.InteropServices;
using SharpTune.Mechanisms.Heads;
using SharpTune.Models.Bert;
using SharpTune.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpTune.Tests.Mechanisms;

/// <summary>
/// Head tuning on the tiny BERT checkpoint. Its backbone weights are random, not pretrained. So the tasks are
/// ones that random frozen features can still separate. The sequence task asks whether a chosen token id is
/// present, and the token task asks whether each word's token id is in a chosen set. Each task
/// evaluates on 100 held-out examples. The sequence task trains on 400, because with 200 the linear probe on
/// mean-pooled random features reached only 0.83 to 0.86 held-out accuracy; the token task trains on 200.
/// </summary>
public sealed class EncoderHeadTests(ITestOutputHelper output)
{
    const long ClsId = 1;
    const long SepId = 2;
    const long MarkerId = 7;
    const int FirstWordId = 3;

    static string BertDir => Path.Combine(TestPaths.Shared, "model-families", "bert");

    static Dictionary<string, byte[]> Snapshot(nn.Module module) =>
        module.named_parameters().ToDictionary(p => p.name,
            p => MemoryMarshal.AsBytes(p.parameter.data<float>().ToArray().AsSpan()).ToArray());

    static IEnumerable<string> ChangedNames(Dictionary<string, byte[]> before, Dictionary<string, byte[]> after) =>
        before.Keys.Where(name => !before[name].AsSpan().SequenceEqual(after[name])).Order();

    /// <summary>[CLS], 4 to 8 random word ids other than the marker, and [SEP]. Half the examples get the marker at a random position.</summary>
    static List<EncoderSequenceExample> SequenceData(int count, int vocab, Random random)
    {
        var examples = new List<EncoderSequenceExample>();
        for (int n = 0; n < count; n++)
        {
            var words = Enumerable.Range(0, random.Next(4, 9)).Select(_ => RandomWord(random, vocab)).ToList();
            long label = n % 2;
            if (label == 1)
                words[random.Next(words.Count)] = MarkerId;
            examples.Add(new EncoderSequenceExample([ClsId, .. words, SepId], label));
        }
        return examples;
    }

    static long RandomWord(Random random, int vocab)
    {
        long id;
        do id = random.Next(FirstWordId, vocab); while (id == MarkerId);
        return id;
    }

    /// <summary>
    /// [CLS], 6 to 12 words, and [SEP]. A word is one token id, or with probability 0.3 two (a sub-token pair).
    /// Its label is 1 when the first sub-token id is in <paramref name="chosen"/>.
    /// </summary>
    static List<EncoderTokenExample> TokenData(int count, int vocab, HashSet<long> chosen, Random random)
    {
        var examples = new List<EncoderTokenExample>();
        for (int n = 0; n < count; n++)
        {
            var ids = new List<long> { ClsId };
            var wordIds = new List<int?> { null };
            var labels = new List<long>();
            int words = random.Next(6, 13);
            for (int w = 0; w < words; w++)
            {
                long first = random.Next(FirstWordId, vocab);
                ids.Add(first);
                wordIds.Add(w);
                labels.Add(chosen.Contains(first) ? 1 : 0);
                if (random.NextDouble() < 0.3)
                {
                    ids.Add(random.Next(FirstWordId, vocab));
                    wordIds.Add(w);
                }
            }
            ids.Add(SepId);
            wordIds.Add(null);
            examples.Add(new EncoderTokenExample([.. ids], [.. wordIds], [.. labels]));
        }
        return examples;
    }

    [Fact]
    public void SequenceHead_DetectsMarkerToken()
    {
        using var backbone = BertModel.Load(BertDir, ScalarType.Float32, CPU);
        var random = new Random(1);
        var train = SequenceData(400, backbone.Config.VocabSize, random);
        var eval = SequenceData(100, backbone.Config.VocabSize, random);
        var before = Snapshot(backbone);
        using var classifier = new EncoderSequenceClassifier(backbone, new HeadOptions(), EncoderPooling.Mean, ["absent", "present"], seed: 3);
        var headBefore = Snapshot(classifier.Head);

        var losses = classifier.Train(train, new EncoderHeadTrainingOptions { Epochs = 40, LearningRate = 3e-2 });
        var metrics = classifier.Evaluate(eval);
        output.WriteLine($"sequence: loss {losses[0]:F4} -> {losses[^1]:F4}, {metrics}");

        Assert.True(metrics.Accuracy >= 0.9, $"accuracy {metrics.Accuracy}");
        Assert.True(metrics.Accuracy > metrics.MajorityAccuracy, $"accuracy {metrics.Accuracy}, majority {metrics.MajorityAccuracy}");
        Assert.True(metrics.MacroF1 >= 0.9, $"macro-F1 {metrics.MacroF1}");
        Assert.Empty(ChangedNames(before, Snapshot(backbone)));
        Assert.Equal(["layers.0.bias", "layers.0.weight"], ChangedNames(headBefore, Snapshot(classifier.Head)));
        Assert.All(backbone.parameters(), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void TokenHead_LabelsChosenWords()
    {
        using var backbone = BertModel.Load(BertDir, ScalarType.Float32, CPU);
        var random = new Random(2);
        int vocab = backbone.Config.VocabSize;
        var chosen = Enumerable.Range(FirstWordId, vocab - FirstWordId).Where(_ => random.NextDouble() < 0.3).Select(i => (long)i).ToHashSet();
        var train = TokenData(200, vocab, chosen, random);
        var eval = TokenData(100, vocab, chosen, random);
        var before = Snapshot(backbone);
        using var classifier = new EncoderTokenClassifier(backbone, new HeadOptions { Kind = HeadKind.MlpHead, HiddenSize = 256 }, ["other", "chosen"], seed: 3);
        var headBefore = Snapshot(classifier.Head);

        var losses = classifier.Train(train, new EncoderHeadTrainingOptions { Epochs = 40, LearningRate = 1e-2 });
        var metrics = classifier.Evaluate(eval);
        output.WriteLine($"token: loss {losses[0]:F4} -> {losses[^1]:F4}, {metrics}");

        Assert.True(metrics.Accuracy >= 0.9, $"accuracy {metrics.Accuracy}");
        Assert.True(metrics.Accuracy > metrics.MajorityAccuracy, $"accuracy {metrics.Accuracy}, majority {metrics.MajorityAccuracy}");
        Assert.True(metrics.MacroF1 >= 0.9, $"macro-F1 {metrics.MacroF1}");
        Assert.Equal(eval.Sum(e => e.WordLabels.Length), metrics.Examples);
        Assert.Empty(ChangedNames(before, Snapshot(backbone)));
        Assert.Equal(["layers.0.bias", "layers.0.weight", "layers.1.bias", "layers.1.weight"], ChangedNames(headBefore, Snapshot(classifier.Head)));
    }

    [Fact]
    public void TokenLabels_LabelFirstSubTokenOnly()
    {
        // [CLS] w0 w1a w1b w2 [SEP] with word labels 5, 6, 7.
        var example = new EncoderTokenExample([1, 10, 11, 12, 13, 2], [null, 0, 1, 1, 2, null], [5, 6, 7]);

        Assert.Equal(new long[] { -100, 5, 6, -100, 7, -100 }, example.TokenLabels());
    }
}
