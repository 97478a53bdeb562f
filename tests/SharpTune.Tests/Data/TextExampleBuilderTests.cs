using SharpTune.Data;
using SharpTune.Tokenization;
using static SharpTune.Tests.Tokenization.TinyWordTokenizer;

namespace SharpTune.Tests.Data;

public sealed class TextExampleBuilderTests : IDisposable
{
    const long Ignore = Batch.IgnoreIndex;

    readonly HfTokenizer _tiny = HfTokenizer.Load(Create());

    public void Dispose() => _tiny.Dispose();

    // Documents of 5, 3 and 4 tokens with BOS and EOS: [1 3 4 5 2] [1 6 2] [1 7 7 2].
    static TextRecord[] Documents() =>
        [new("a b c", new("d.jsonl", 1)), new("d", new("d.jsonl", 2)), new("e e", new("d.jsonl", 3))];

    [Fact]
    public void Document_WrappedInBosEos()
    {
        var ids = new TextExampleBuilder(_tiny, maxLength: 8, pack: false).TokenizeDocument("a b c");

        Assert.Equal([Bos, A, B, C, Eos], ids);
    }

    [Fact]
    public void Packing_HandMadeRows()
    {
        var rows = new TextExampleBuilder(_tiny, maxLength: 5, pack: true).Build(Documents()).Examples;

        Assert.Equal(3, rows.Count);

        Assert.Equal([Bos, A, B, C, Eos], rows[0].InputIds);
        Assert.Equal([Ignore, A, B, C, Eos], rows[0].Labels);
        Assert.Equal([0L, 1, 2, 3, 4], rows[0].PositionIds!);
        Assert.Equal([1L, 1, 1, 1, 1], rows[0].SegmentIds!);

        // Document 2 whole, then the first two tokens of document 3.
        Assert.Equal([Bos, D, Eos, Bos, E], rows[1].InputIds);
        Assert.Equal([Ignore, D, Eos, Ignore, E], rows[1].Labels);
        Assert.Equal([0L, 1, 2, 0, 1], rows[1].PositionIds!);
        Assert.Equal([1L, 1, 1, 2, 2], rows[1].SegmentIds!);

        // The rest of document 3 starts a new row, so its first token there is not a target.
        Assert.Equal([E, Eos], rows[2].InputIds);
        Assert.Equal([Ignore, Eos], rows[2].Labels);
        Assert.Equal([0L, 1], rows[2].PositionIds!);
        Assert.Equal([1L, 1], rows[2].SegmentIds!);
    }

    [Fact]
    public void Packing_CountsLongDocuments()
    {
        var result = new TextExampleBuilder(_tiny, maxLength: 5, pack: true, contextWindow: 4).Build(Documents());

        Assert.Equal(1, result.LongerThanContextCount);
        Assert.Equal(0, result.TruncatedCount);
    }

    [Fact]
    public void Unpacked_OneTruncatedRowPerDocument()
    {
        var result = new TextExampleBuilder(_tiny, maxLength: 4, pack: false).Build(Documents());

        Assert.Equal(3, result.Examples.Count);
        Assert.Equal(1, result.TruncatedCount);
        Assert.Equal([Bos, A, B, C], result.Examples[0].InputIds);
        Assert.Equal([Ignore, A, B, C], result.Examples[0].Labels);
        Assert.Equal([Ignore, D, Eos], result.Examples[1].Labels);
        Assert.Null(result.Examples[1].SegmentIds);
        Assert.Equal(3, result.Examples[2].Source!.Value.Line);
    }

    [Fact]
    public void Grimm_PackedRowsKeepEveryToken()
    {
        using var stories = HfTokenizer.Load(TestPaths.Stories260k);
        var records = RecordParser.Load(TestPaths.SharedData("grimm_fairy_tales_text.dev.jsonl")).Records.Cast<TextRecord>().ToList();
        var builder = new TextExampleBuilder(stories, maxLength: 256, pack: true);
        var total = records.Sum(r => builder.TokenizeDocument(r.Text).Count);

        var rows = builder.Build(records).Examples;

        Assert.Equal((total + 255) / 256, rows.Count);
        Assert.All(rows.SkipLast(1), row => Assert.Equal(256, row.Length));
        Assert.Equal(total, rows.Sum(row => row.Length));
    }
}
