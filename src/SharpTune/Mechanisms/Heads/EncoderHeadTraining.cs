using SharpTune.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Heads;

/// <summary>Settings of the small loop that trains a head on a frozen encoder.</summary>
public sealed record EncoderHeadTrainingOptions
{
    public int Epochs { get; init; } = 20;
    public int BatchSize { get; init; } = 16;
    public double LearningRate { get; init; } = 1e-2;
    public double WeightDecay { get; init; } = 0.0;

    /// <summary>Seed of the head's initial weights and of the order of examples in each epoch.</summary>
    public long Seed { get; init; } = 42;
}

/// <summary>
/// The training loop shared by the encoder heads: shuffled mini-batches, cross-entropy that ignores label -100,
/// and <see cref="AdamW"/> over the head's parameters only.
/// </summary>
public static class EncoderHeadTraining
{
    public const long IgnoreIndex = -100;

    /// <summary>
    /// Trains <paramref name="head"/> on <paramref name="count"/> examples. <paramref name="batchLogits"/> maps example
    /// indices to logits <c>[n, classes]</c> and labels <c>[n]</c>, and it must compute the backbone under no_grad.
    /// Returns the mean loss of each epoch.
    /// </summary>
    public static IReadOnlyList<double> Fit(ClassificationHead head, int count,
        Func<IReadOnlyList<int>, (Tensor Logits, Tensor Labels)> batchLogits, EncoderHeadTrainingOptions options)
    {
        var random = new Random((int)options.Seed);
        var order = Enumerable.Range(0, count).ToArray();
        var epochLosses = new List<double>();
        using var optimizer = new AdamW(head.named_parameters().Select(p => (p.name, p.parameter)), AdamW.DefaultDecayFilter);
        head.train();
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            random.Shuffle(order);
            double lossSum = 0;
            int batches = 0;
            for (int start = 0; start < count; start += options.BatchSize)
            {
                using var scope = NewDisposeScope();
                var indices = order.Skip(start).Take(options.BatchSize).ToList();
                var (logits, labels) = batchLogits(indices);
                var loss = nn.functional.cross_entropy(logits, labels, ignore_index: IgnoreIndex);
                optimizer.ZeroGrad();
                loss.backward();
                optimizer.Step(options.LearningRate, options.WeightDecay);
                lossSum += loss.item<float>();
                batches++;
            }
            epochLosses.Add(lossSum / batches);
        }
        head.eval();
        return epochLosses;
    }

    /// <summary>Builds a head with weights drawn from <paramref name="seed"/>, leaving the global generator as it was.</summary>
    public static ClassificationHead CreateHead(HeadOptions options, int hidden, IReadOnlyList<string> labels,
        ScalarType dtype, Device device, long seed)
    {
        var saved = torch.random.get_rng_state();
        torch.random.manual_seed(seed);
        try
        {
            return new ClassificationHead(options, hidden, labels, dtype, device);
        }
        finally
        {
            torch.random.set_rng_state(saved);
            saved.Dispose();
        }
    }

    /// <summary>Sets requires_grad to false on every parameter of <paramref name="backbone"/>.</summary>
    public static void Freeze(nn.Module backbone)
    {
        foreach (var (_, parameter) in backbone.named_parameters())
            parameter.requires_grad = false;
        backbone.eval();
    }
}
