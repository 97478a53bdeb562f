using SharpTune.Models;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpTune.Tests.Models;

public sealed class LlamaLogitsTests(ITestOutputHelper output)
{
    // "<s> Once upon a time ," in the stories260k vocabulary.
    static readonly long[] Ids = [1, 403, 407, 261, 378, 432];

    [Fact]
    public void Stories260k_MatchesLoopReference()
    {
        var reference = new ReferenceLlama(TestPaths.Stories260k);
        var expected = reference.Forward(Ids); // [seq][vocab]

        using var model = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
        float[] actual;
        using (no_grad())
        using (var input = tensor(Ids, dtype: ScalarType.Int64).unsqueeze(0))
        using (var logits = model.Forward(input))                     // [1, 6, 512]
            actual = logits.data<float>().ToArray();

        Assert.Equal(8, reference.Heads);
        Assert.Equal(4, reference.KvHeads);
        Assert.Equal(Ids.Length * expected[0].Length, actual.Length);
        double maxDifference = 0;
        for (int t = 0; t < Ids.Length; t++)
            for (int j = 0; j < expected[t].Length; j++)
                maxDifference = Math.Max(maxDifference, Math.Abs(actual[t * expected[t].Length + j] - expected[t][j]));
        output.WriteLine($"max |logit difference| = {maxDifference:E3}");
        Assert.InRange(maxDifference, 0, 1e-4);
    }

    [Fact]
    public void Stories260k_LastPromptPositionPicksComma()
    {
        // llama2.c's greedy run of this model continues "<s> Once upon a time" with id 432 (",").
        var expected = new ReferenceLlama(TestPaths.Stories260k).Forward(Ids[..5]);

        var last = expected[^1];
        Assert.Equal(432, Array.IndexOf(last, last.Max()));
    }
}
