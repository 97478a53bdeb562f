using SharpTune.Generation;
using SharpTune.Models;
using SharpTune.Models.Llama;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Tests.Generation;

/// <summary>stories260k, its tokenizer and its greedy story for "Once upon a time", generated once per test class.</summary>
public sealed class GreedyStoryFixture : IDisposable
{
    /// <summary>run.c stops on &lt;/s&gt; and also on the &lt;s&gt; that llama2.c writes between stories.</summary>
    public static readonly long[] StopIds = [2, 1];

    public LlamaForCausalLM Model { get; } = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);

    public HfTokenizer Tokenizer { get; } = HfTokenizer.Load(TestPaths.Stories260k);

    /// <summary>Greedy ids after the prompt, without the stop token.</summary>
    public IReadOnlyList<long> Story { get; }

    public GreedyStoryFixture() =>
        Story = TextGenerator.Generate(Model, GreedyGenerationTests.PromptIds,
            new GenerationOptions { MaxNewTokens = 512, Temperature = 0, StopIds = StopIds });

    public void Dispose()
    {
        Model.Dispose();
        Tokenizer.Dispose();
    }
}

/// <summary>
/// Greedy decoding of stories260k checked against llama2.c's <c>run.c</c> output for the same weights:
/// the ids, the length of the story and its text.
/// </summary>
public sealed class GreedyGenerationTests(GreedyStoryFixture fixture) : IClassFixture<GreedyStoryFixture>
{
    /// <summary>"&lt;s&gt; Once upon a time".</summary>
    internal static readonly long[] PromptIds = [1, 403, 407, 261, 378];

    /// <summary>The first 40 ids of run.c's greedy continuation.</summary>
    internal static readonly long[] First40 =
    [
        432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 410, 408, 419, 292,
        411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352, 266, 268, 388, 426,
    ];

    /// <summary>run.c's text after the prompt, up to the end of its second line.</summary>
    const string StoryStart =
        ", there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. " +
        "She wanted to play with it, but it was too high.\n" +
        "Lily's mom said, \"Lily, let's go to the park.\" Lily was sad and didn't know what to do. " +
        "She said, \"I want to play with your ball, but I can't find it.\"";

    [Fact]
    public void Greedy_First40IdsMatchRunC()
    {
        Assert.Equal(First40, fixture.Story.Take(40));
    }

    [Fact]
    public void Greedy_StopsAfter341Tokens()
    {
        Assert.Equal(341, fixture.Story.Count);
    }

    [Fact]
    public void EncodePrompt_AddsBosBeforeText()
    {
        var ids = TextCompletion.EncodePrompt(fixture.Tokenizer, "Once upon a time");

        Assert.Equal(PromptIds, ids);
    }

    [Fact]
    public void TokenizerStopIds_AreEosAndBos()
    {
        Assert.Equal(GreedyStoryFixture.StopIds, fixture.Tokenizer.StopIds);
    }

    [Fact]
    public void Cli_PrintsWholeGreedyStory()
    {
        var expected = fixture.Tokenizer.Decode(fixture.Story);

        var result = CliProcess.Run(Directory.GetCurrentDirectory(), "generate", "--model", TestPaths.Stories260k, "--prompt", "Once upon a time",
            "--temperature", "0", "--device", "cpu");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith(StoryStart, result.Stdout, StringComparison.Ordinal);
        Assert.Equal(expected + Environment.NewLine, result.Stdout);
    }
}
