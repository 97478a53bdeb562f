using SharpTune.Data;

namespace SharpTune.Tests.Data;

public sealed class EvalSplitTests
{
    static readonly int[] Records = Enumerable.Range(0, 400).ToArray();

    [Fact]
    public void Split_TenPercentOf400()
    {
        var (train, eval) = EvalSplit.Split(Records, 0.1, seed: 7);

        Assert.Equal(360, train.Count);
        Assert.Equal(40, eval.Count);
    }

    [Fact]
    public void Split_PartsDisjointAndOrdered()
    {
        var (train, eval) = EvalSplit.Split(Records, 0.25, seed: 7);

        Assert.Empty(train.Intersect(eval));
        Assert.Equal(Records, train.Concat(eval).Order());
        Assert.Equal(train.Order(), train);
        Assert.Equal(eval.Order(), eval);
    }

    [Fact]
    public void Split_SameSeedSameSplit()
    {
        Assert.Equal(EvalSplit.Split(Records, 0.1, seed: 3).Eval, EvalSplit.Split(Records, 0.1, seed: 3).Eval);
    }

    [Fact]
    public void Split_OtherSeedOtherSplit()
    {
        Assert.NotEqual(EvalSplit.Split(Records, 0.1, seed: 3).Eval, EvalSplit.Split(Records, 0.1, seed: 4).Eval);
    }

    [Fact]
    public void Split_TinyFractionHoldsOutOne()
    {
        Assert.Single(EvalSplit.Split(Records, 0.0001, seed: 1).Eval);
    }

    [Fact]
    public void Split_ZeroFractionKeepsAll()
    {
        var (train, eval) = EvalSplit.Split(Records, 0, seed: 1);

        Assert.Equal(400, train.Count);
        Assert.Empty(eval);
    }

    [Fact]
    public void Split_SingleRecord_Rejected()
    {
        Assert.Throws<SharpTuneInputException>(() => EvalSplit.Split([1], 0.5, seed: 1));
    }

    [Fact]
    public void SplitMix64_SeedZeroReferenceOutputs()
    {
        // First two outputs of SplitMix64 from state 0, computed independently in Python from the published algorithm.
        ulong state = 0;

        Assert.Equal(0xE220A8397B1DCDAFUL, EvalSplit.NextSplitMix64(ref state));
        Assert.Equal(0x6E789E6AA1B965F4UL, EvalSplit.NextSplitMix64(ref state));
    }
}
