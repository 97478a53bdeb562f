using SharpTune.Data;
using SharpTune.Models;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using SharpTune.Recipes;
using SharpTune.Tokenization;
using SharpTune.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpTune.Tests.Objectives;

/// <summary>
/// The SFT loss of a two-example batch, checked against a hand computation: a double-precision log-softmax of
/// each logit row, summed over the response positions found from the prompt lengths, divided by their count.
/// </summary>
public sealed class SftLossTests : IDisposable
{
    static readonly RecordSource Source = new("two-examples.jsonl", 1);

    static readonly AlpacaRecord[] Records =
    [
        new("Name a color.", "", "Red.", Source),
        new("Count to three.", "", "One, two, three.", Source with { Line = 2 }),
    ];

    readonly LlamaForCausalLM model = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
    readonly HfTokenizer tokenizer = HfTokenizer.Load(TestPaths.Stories260k);
    readonly IReadOnlyList<TokenizedExample> examples;
    readonly double expectedLoss;
    readonly int expectedCount;

    public SftLossTests(ITestOutputHelper output)
    {
        examples = new SftExampleBuilder(tokenizer, maxLength: 256).Build(Records).Examples;
        (expectedLoss, expectedCount) = HandLoss();
        output.WriteLine($"hand-computed loss {expectedLoss:F6} over {expectedCount} response tokens");
    }

    public void Dispose()
    {
        model.Dispose();
        tokenizer.Dispose();
    }

    /// <summary>
    /// Runs each example alone (no padding) and returns the mean of <c>-log softmax(logits[t-1])[ids[t]]</c> over the
    /// positions t of the response and its EOS, with their count. The prompt is BOS plus the encoded Alpaca prompt.
    /// </summary>
    (double Loss, int Count) HandLoss()
    {
        double total = 0;
        int count = 0;
        for (int row = 0; row < Records.Length; row++)
        {
            var ids = examples[row].InputIds.ToArray();
            int promptLength = 1 + tokenizer.Encode(AlpacaPrompt.Render(Records[row].Instruction)).Count;
            int responseLength = tokenizer.Encode(Records[row].Output).Count + 1; // + EOS
            Assert.Equal(promptLength + responseLength, ids.Length);

            float[] logits;
            int vocab = model.Config.VocabSize;
            using (no_grad())
            using (var input = tensor(ids, dtype: ScalarType.Int64).unsqueeze(0))
            using (var forward = model.Forward(input))                                  // [1, seq, vocab]
                logits = forward.data<float>().ToArray();

            for (int t = promptLength; t < ids.Length; t++)
            {
                var offset = (t - 1) * vocab; // the logits at t-1 predict the token at t
                double max = double.NegativeInfinity;
                for (int j = 0; j < vocab; j++)
                    max = Math.Max(max, logits[offset + j]);
                double sumExp = 0;
                for (int j = 0; j < vocab; j++)
                    sumExp += Math.Exp(logits[offset + j] - max);
                double logProbability = logits[offset + ids[t]] - max - Math.Log(sumExp);
                total -= logProbability;
                count++;
            }
        }
        return (total / count, count);
    }

    ExampleBatchSource BatchSource() => new(examples, Collator.For(tokenizer));

    [Fact]
    public void Labels_MarkResponseTokensOnly()
    {
        using var batch = BatchSource().Collate([0, 1]);

        Assert.Equal(expectedCount, batch.TargetTokenCount());
    }

    [Fact]
    public void CausalLmLoss_MatchesHandComputation()
    {
        using var batch = BatchSource().Collate([0, 1]);
        double loss;
        using (no_grad())
        using (var logits = model.Forward(batch.InputIds, batch.PositionIds))         // [2, seq, vocab]
        using (var sum = CausalLmLoss.Sum(logits, batch.Labels))
            loss = sum.item<float>() / batch.TargetTokenCount();

        Assert.Equal(expectedLoss, loss, 1e-5);
    }

    [Fact]
    public void MeanLoss_MatchesHandComputation()
    {
        var (loss, tokens) = BatchForward.MeanLoss(model, BatchSource(), batchSize: 2);

        Assert.Equal(expectedCount, tokens);
        Assert.Equal(expectedLoss, loss, 1e-5);
    }

    [Fact]
    public void TrainerFirstStep_LogsHandComputedLoss()
    {
        var runDir = TestPaths.NewTempDir();
        try
        {
            // Learning rate 0 leaves the weights as loaded, so the one step's loss is the loss of the base model.
            var settings = new TrainingOptions { MaxSteps = 1, BatchSize = 2, LearningRate = 0, LoggingSteps = 1 };
            var trainer = new Trainer(model, settings, BatchSource(), eval: null, runDir);
            trainer.Train();

            var step1 = MetricsLog.Read(trainer.MetricsPath).Single(r => r["step"]!.GetValue<int>() == 1);
            Assert.Equal(expectedLoss, step1["loss"]!.GetValue<double>(), 1e-5);
        }
        finally
        {
            Directory.Delete(runDir, recursive: true);
        }
    }
}
