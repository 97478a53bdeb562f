namespace SharpTune.Training;

/// <summary>
/// The order in which micro-batches are drawn: each epoch is a seeded permutation of the examples, cut into
/// consecutive micro-batches. Micro-batch n is a pure function of (seed, n), so a resumed run only needs n.
/// </summary>
public sealed class BatchOrder
{
    readonly int exampleCount;
    readonly int batchSize;
    readonly long seed;
    int cachedEpoch = -1;
    int[] permutation = [];

    public BatchOrder(int exampleCount, int batchSize, long seed)
    {
        if (exampleCount <= 0)
            throw new SharpTuneInputException("data.train: no training examples remain after loading and truncation");
        this.exampleCount = exampleCount;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    public int MicroBatchesPerEpoch => (exampleCount + batchSize - 1) / batchSize;

    /// <summary>Returns the example indices of global micro-batch <paramref name="n"/> and the epoch it falls in.</summary>
    public (IReadOnlyList<int> Indices, int Epoch) MicroBatch(long n)
    {
        int epoch = (int)(n / MicroBatchesPerEpoch);
        int within = (int)(n % MicroBatchesPerEpoch);
        if (epoch != cachedEpoch)
        {
            permutation = Permutation(epoch);
            cachedEpoch = epoch;
        }
        int start = within * batchSize;
        int count = Math.Min(batchSize, exampleCount - start);
        return (new ArraySegment<int>(permutation, start, count), epoch);
    }

    int[] Permutation(int epoch)
    {
        // System.Random with an explicit seed uses a fixed legacy algorithm, stable across .NET versions.
        var random = new Random(unchecked((int)(seed * 1_000_003 + epoch)));
        var order = Enumerable.Range(0, exampleCount).ToArray();
        random.Shuffle(order);
        return order;
    }
}
