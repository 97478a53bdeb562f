using SharpTune.Data;
using SharpTune.Tokenization;
using static SharpTune.Tests.Tokenization.TinyWordTokenizer;

namespace SharpTune.Tests.Data;

public sealed class CollatorTests
{
    const long Ignore = Batch.IgnoreIndex;

    [Fact]
    public void PackedRows_PaddedRight()
    {
        TokenizedExample full = new([Bos, D, Eos, Bos, E], [Ignore, D, Eos, Ignore, E], [0, 1, 2, 0, 1], [1, 1, 1, 2, 2]);
        TokenizedExample tail = new([E, Eos], [Ignore, Eos], [0, 1], [1, 1]);

        using var batch = new Collator(padId: 0).Collate([full, tail]);

        Assert.Equal([2L, 5], batch.InputIds.shape);
        Assert.Equal([Bos, D, Eos, Bos, E, E, Eos, 0, 0, 0], batch.InputIds.data<long>().ToArray());
        Assert.Equal([Ignore, D, Eos, Ignore, E, Ignore, Eos, Ignore, Ignore, Ignore], batch.Labels.data<long>().ToArray());
        Assert.Equal([0L, 1, 2, 0, 1, 0, 1, 0, 0, 0], batch.PositionIds.data<long>().ToArray());
        Assert.Equal([1L, 1, 1, 2, 2, 1, 1, 0, 0, 0], batch.SegmentIds.data<long>().ToArray());
    }

    [Fact]
    public void LeftPadding_PadsFirstAndCountsPositionsFromTheFirstToken()
    {
        TokenizedExample longer = new([Bos, D, Eos], [Ignore, D, Eos]);
        TokenizedExample shorter = new([E, Eos], [Ignore, Eos]);

        using var batch = new Collator(padId: 0).Collate([longer, shorter], side: PaddingSide.Left);

        Assert.Equal([Bos, D, Eos, 0, E, Eos], batch.InputIds.data<long>().ToArray());
        Assert.Equal([Ignore, D, Eos, Ignore, Ignore, Eos], batch.Labels.data<long>().ToArray());
        Assert.Equal([0L, 1, 2, 0, 0, 1], batch.PositionIds.data<long>().ToArray());
        Assert.Equal([1L, 1, 1, 0, 1, 1], batch.SegmentIds.data<long>().ToArray());
    }

    [Fact]
    public void PackedRows_TargetTokenCount()
    {
        // Targets after the shift: D, Eos, E in the first row and Eos in the second.
        TokenizedExample full = new([Bos, D, Eos, Bos, E], [Ignore, D, Eos, Ignore, E], [0, 1, 2, 0, 1], [1, 1, 1, 2, 2]);
        TokenizedExample tail = new([E, Eos], [Ignore, Eos], [0, 1], [1, 1]);

        using var batch = new Collator(padId: 0).Collate([full, tail]);

        Assert.Equal(4, batch.TargetTokenCount());
    }

    [Fact]
    public void PadToLength_ShorterThanExample_Rejected()
    {
        TokenizedExample example = new([A, B, C], [Ignore, B, C]);

        Assert.Throws<ArgumentOutOfRangeException>(() => new Collator(0).Collate([example], padToLength: 2));
    }

    [Fact]
    public void For_NoPadToken_UsesEos()
    {
        using var tokenizer = HfTokenizer.Load(Create(padToken: null));

        Assert.Equal(Eos, Collator.For(tokenizer).PadId);
    }

    [Fact]
    public void For_NoPadNoEos_UsesZero()
    {
        var dir = Create(padToken: null);
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{"bos_token": "<s>", "eos_token": null}""");
        using var tokenizer = HfTokenizer.Load(dir);

        Assert.Equal(0, Collator.For(tokenizer).PadId);
    }
}
