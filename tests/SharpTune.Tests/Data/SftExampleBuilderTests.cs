using SharpTune.Data;
using SharpTune.Tests.Tokenization;
using SharpTune.Tokenization;
using static SharpTune.Tests.Tokenization.TinyWordTokenizer;

namespace SharpTune.Tests.Data;

public sealed class SftExampleBuilderTests : IDisposable
{
    const long Ignore = Batch.IgnoreIndex;
    const long Unk = 0;

    // Pad token "</s>", so the pad id equals the EOS id.
    readonly HfTokenizer _tiny = HfTokenizer.Load(Create(padToken: "</s>"));
    readonly HfTokenizer _stories = HfTokenizer.Load(TestPaths.Stories260k);

    public void Dispose()
    {
        _tiny.Dispose();
        _stories.Dispose();
    }

    static RecordSource At(int line) => new("data.jsonl", line);

    static IReadOnlyList<PromptSegment> Segments(string prompt, string response) =>
        [new PromptSegment(prompt, false), new PromptSegment(response, true)];

    static ChatRecord Chat(string user, string assistant, int line = 1) =>
        new([new ChatMessage("user", user), new ChatMessage("assistant", assistant)], At(line));

    [Fact]
    public void TwoExampleBatch_HandCheckedMasks()
    {
        var builder = new SftExampleBuilder(_tiny, maxLength: 16);
        var (ids1, labels1) = builder.Tokenize(Segments("a b", "c"));
        var (ids2, labels2) = builder.Tokenize(Segments("d", "e a b"));

        using var batch = Collator.For(_tiny).Collate([new(ids1, labels1), new(ids2, labels2)]);

        Assert.Equal([Bos, A, B, C, Eos, Eos, Bos, D, E, A, B, Eos], batch.InputIds.data<long>().ToArray());
        Assert.Equal([Ignore, Ignore, Ignore, C, Eos, Ignore, Ignore, Ignore, E, A, B, Eos], batch.Labels.data<long>().ToArray());
        Assert.Equal([0L, 1, 2, 3, 4, 0, 0, 1, 2, 3, 4, 5], batch.PositionIds.data<long>().ToArray());
        Assert.Equal([1L, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1], batch.SegmentIds.data<long>().ToArray());
    }

    [Fact]
    public void PadEqualsEos_EosKeepsLabel()
    {
        var builder = new SftExampleBuilder(_tiny, maxLength: 16);
        var (ids, labels) = builder.Tokenize(Segments("a", "b"));

        using var batch = Collator.For(_tiny).Collate([new(ids, labels)], padToLength: 6);

        Assert.Equal(Eos, Collator.For(_tiny).PadId);
        Assert.Equal([Bos, A, B, Eos, Eos, Eos], batch.InputIds.data<long>().ToArray());
        Assert.Equal([Ignore, Ignore, B, Eos, Ignore, Ignore], batch.Labels.data<long>().ToArray());
    }

    [Fact]
    public void ChatFallback_HandCheckedMasks()
    {
        // "### User:\na\n\n### Assistant:\n" splits into ### User : a ### Assistant :, unknown words being <unk>.
        var result = new SftExampleBuilder(_tiny, maxLength: 16).Build([Chat("a", "b c")]);

        var example = Assert.Single(result.Examples);
        Assert.Equal([Bos, Unk, Unk, Unk, A, Unk, Unk, Unk, B, C, Eos], example.InputIds);
        Assert.Equal([Ignore, Ignore, Ignore, Ignore, Ignore, Ignore, Ignore, Ignore, B, C, Eos], example.Labels);
    }

    [Fact]
    public void ChatFallback_EveryAssistantTurnTrained()
    {
        ChatRecord chat = new([
            new ChatMessage("system", "d"), new ChatMessage("user", "a"), new ChatMessage("assistant", "b"),
            new ChatMessage("user", "c"), new ChatMessage("assistant", "e"), new ChatMessage("user", "a")], At(1));

        var example = Assert.Single(new SftExampleBuilder(_tiny, maxLength: 64).Build([chat]).Examples);

        // Only the two assistant contents and the final EOS are targets; the trailing user message is left out.
        Assert.Equal([B, E, Eos], example.Labels.Where(label => label != Ignore));
        Assert.Equal(Eos, example.InputIds[^1]);
    }

    [Fact]
    public void PromptStartingWithBos_NoDoubledBos()
    {
        var (ids, _) = new SftExampleBuilder(_tiny, maxLength: 16).Tokenize(Segments("<s> a", "b"));

        Assert.Equal([Bos, A, B, Eos], ids);
    }

    [Fact]
    public void ResponseEndingWithEos_ExactlyOneEos()
    {
        var (ids, labels) = new SftExampleBuilder(_tiny, maxLength: 16).Tokenize(Segments("a", "b </s>"));

        Assert.Equal([Bos, A, B, Eos], ids);
        Assert.Equal([Ignore, Ignore, B, Eos], labels);
    }

    [Fact]
    public void NoBosTokenizer_StartsWithPrompt()
    {
        using var tokenizer = HfTokenizer.Load(Create(addBos: false));

        var (ids, _) = new SftExampleBuilder(tokenizer, maxLength: 16).Tokenize(Segments("a", "b"));

        Assert.Equal([A, B, Eos], ids);
    }

    [Fact]
    public void Truncation_CountsTruncatedDroppedAndLong()
    {
        // Chat prompts are BOS + 3 header tokens + user words + 3 header tokens: 8 tokens for one user word.
        ChatRecord[] records =
        [
            Chat("a", "b", line: 1),         // 8 + 1 + EOS = 10 tokens: fits
            Chat("a", "b c d", line: 2),     // 8 + 3 + EOS = 12: cut to 10, keeps b c
            Chat("a b c", "d", line: 3),     // 10 + 1 + EOS = 12: cut to 10, no response left
        ];

        var result = new SftExampleBuilder(_tiny, maxLength: 10, contextWindow: 11).Build(records);

        Assert.Equal(1, result.TruncatedCount);
        Assert.Equal(1, result.DroppedCount);
        Assert.Equal(2, result.LongerThanContextCount);
        Assert.Equal([1, 2], result.Examples.Select(e => e.Source!.Value.Line));
        Assert.Equal([B, C], result.Examples[1].Labels.Where(label => label != Ignore));
    }

    [Fact]
    public void TextRecord_Rejected()
    {
        var builder = new SftExampleBuilder(_tiny, maxLength: 16);

        Assert.Throws<ArgumentException>(() => builder.Build([new TextRecord("a", At(1))]));
    }

    [Fact]
    public void AlpacaPrompt_NoInputVariant()
    {
        var expected = "Below is an instruction that describes a task. Write a response that appropriately completes " +
            "the request.\n\n### Instruction:\nAdd 2 and 3.\n\n### Response:\n";

        Assert.Equal(expected, AlpacaPrompt.Render("Add 2 and 3.", ""));
    }

    [Fact]
    public void AlpacaPrompt_InputVariant()
    {
        var expected = "Below is an instruction that describes a task, paired with an input that provides further " +
            "context. Write a response that appropriately completes the request.\n\n### Instruction:\nAdd.\n\n" +
            "### Input:\n2 3\n\n### Response:\n";

        Assert.Equal(expected, AlpacaPrompt.Render("Add.", "2 3"));
    }

    [Fact]
    public void Stories_AlpacaMaskCoversBosAndPrompt()
    {
        var record = new AlpacaRecord("Tell a story.", "", "Once upon a time", At(1));
        var promptLength = _stories.Encode(AlpacaPrompt.Render("Tell a story.")).Count;

        var example = Assert.Single(new SftExampleBuilder(_stories, maxLength: 512).Build([record]).Examples);

        Assert.All(example.Labels.Take(1 + promptLength), label => Assert.Equal(Ignore, label));
        Assert.Equal([403L, 407, 261, 378, 2], example.Labels.Skip(1 + promptLength));
    }

    [Fact]
    public void Gsm8k_OneBosAndOneEosPerExample()
    {
        var records = RecordParser.Load(TestPaths.SharedData("gsm8k_sft.dev.jsonl")).Records;

        var result = new SftExampleBuilder(_stories, maxLength: 4096, contextWindow: 512).Build(records);

        Assert.Equal(400, result.Examples.Count);
        Assert.Equal(0, result.TruncatedCount);
        Assert.All(result.Examples, e => Assert.Equal(1, e.InputIds.Count(id => id == 1)));
        Assert.All(result.Examples, e => Assert.Equal(1, e.InputIds.Count(id => id == 2)));
        Assert.All(result.Examples, e => Assert.Equal(2L, e.Labels[^1]));
    }
}
