namespace SharpTune.Data;

/// <summary>Deterministic train/eval split of a record list by fraction and seed.</summary>
public static class EvalSplit
{
    /// <summary>
    /// Moves round(count × <paramref name="evalFraction"/>) records, at least one when the fraction is positive,
    /// chosen by a seeded shuffle, into the eval part. Both parts keep the input order. The same seed and count always
    /// give the same split, on every platform, because the shuffle uses its own SplitMix64 generator.
    /// </summary>
    /// <param name="records">Records to split.</param>
    /// <param name="evalFraction">Share of records held out, in [0, 1).</param>
    /// <param name="seed">Shuffle seed.</param>
    public static (IReadOnlyList<T> Train, IReadOnlyList<T> Eval) Split<T>(IReadOnlyList<T> records, double evalFraction, ulong seed)
    {
        if (!(evalFraction >= 0 && evalFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(evalFraction), evalFraction, "expected a value in [0, 1)");
        if (evalFraction == 0)
            return (records, []);
        if (records.Count < 2)
        {
            throw new SharpTuneInputException(
                $"cannot hold out eval records from a dataset of {records.Count} record(s); add records or set the eval fraction to 0");
        }

        var evalCount = (int)Math.Round(records.Count * evalFraction, MidpointRounding.AwayFromZero);
        evalCount = Math.Clamp(evalCount, 1, records.Count - 1);

        var order = Enumerable.Range(0, records.Count).ToArray();
        var state = seed;
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = (int)(NextSplitMix64(ref state) % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }

        var isEval = new bool[records.Count];
        foreach (var index in order.Take(evalCount))
            isEval[index] = true;

        var train = new List<T>(records.Count - evalCount);
        var eval = new List<T>(evalCount);
        for (var i = 0; i < records.Count; i++)
            (isEval[i] ? eval : train).Add(records[i]);
        return (train, eval);
    }

    /// <summary>Advances the SplitMix64 generator (Steele, Lea and Flood, 2014) and returns its next output.</summary>
    internal static ulong NextSplitMix64(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
