namespace SharpTune.Planning;

/// <summary>Whether a plan fits one accelerator, and the largest batch size and sequence length that do.</summary>
/// <param name="Accelerator">The device checked.</param>
/// <param name="Fits">True when the request's estimate is within the device's memory.</param>
/// <param name="EstimateBytes">The request's estimate on one device.</param>
/// <param name="MaxBatchSize">Largest batch size at the request's sequence length, 0 when even batch 1 does not fit.</param>
/// <param name="MaxSeqLen">Largest sequence length at the request's batch size, up to the model's context window; 0 when none fits.</param>
public sealed record FitResult(Accelerator Accelerator, bool Fits, long EstimateBytes, int MaxBatchSize, int MaxSeqLen);

/// <summary>Checks a plan against memory budgets.</summary>
public static class FitSearch
{
    const int MaxBatchSearched = 1 << 16;

    public static FitResult Check(PlanRequest request, Accelerator accelerator)
    {
        long budget = (long)(accelerator.MemoryGiB * (1L << 30));
        long estimate = MemoryEstimator.Estimate(request).TotalBytes;
        int maxBatch = LargestFitting(1, MaxBatchSearched, b => Total(request with { BatchSize = b }) <= budget);
        int maxSeq = LargestFitting(1, request.Model.MaxPositionEmbeddings, s => Total(request with { SeqLen = s }) <= budget);
        return new FitResult(accelerator, estimate <= budget, estimate, maxBatch, maxSeq);
    }

    static long Total(PlanRequest request) => MemoryEstimator.Estimate(request).TotalBytes;

    // Memory grows with batch size and sequence length, so a binary search finds the boundary.
    static int LargestFitting(int low, int high, Func<int, bool> fits)
    {
        if (!fits(low))
            return 0;
        while (low < high)
        {
            int middle = low + (high - low + 1) / 2;
            if (fits(middle))
                low = middle;
            else
                high = middle - 1;
        }
        return low;
    }
}
