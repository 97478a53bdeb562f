using System.Text.Json.Nodes;
using Tokenizers.DotNet;

namespace SharpTune.Tests.Quickstart;

/// <summary>
/// The committed character-level tokenizer, loaded by Tokenizers.DotNet. Expected ids come from the
/// vocab in tokenizer.json, read as plain JSON, so the native tokenizer is checked against the file.
/// </summary>
public sealed class QuickstartTokenizerTests : IDisposable
{
    const uint Bos = 1;

    /// <summary>Ids below this are specials and byte-fallback tokens: 3 specials, then 256 bytes.</summary>
    const uint FirstCharId = 3 + 256;

    readonly Tokenizer tokenizer = new(QuickstartAssets.ModelFile("tokenizer.json"));
    readonly JsonObject vocab = QuickstartAssets.ReadJson(QuickstartAssets.ModelFile("tokenizer.json"))["model"]!["vocab"]!.AsObject();

    public void Dispose() => tokenizer.Dispose();

    uint IdOf(string token) => (uint)vocab[token]!;

    [Fact]
    public void Vocab_SizeMatchesConfig()
    {
        var config = QuickstartAssets.ReadJson(QuickstartAssets.ModelFile("config.json"));

        Assert.Equal((int)config["vocab_size"]!, vocab.Count);
    }

    [Theory]
    [InlineData("<unk>", 0u)]
    [InlineData("<s>", 1u)]
    [InlineData("</s>", 2u)]
    [InlineData("<0x00>", 3u)]
    [InlineData("<0x0A>", 13u)]
    [InlineData("<0xFF>", 258u)]
    public void Vocab_LlamaSpecialAndByteIds(string token, uint id)
    {
        Assert.Equal(id, IdOf(token));
    }

    [Fact]
    public void Vocab_IdsAreDense()
    {
        var ids = vocab.Select(pair => (int)pair.Value!).Order();

        Assert.Equal(Enumerable.Range(0, vocab.Count), ids);
    }

    [Fact]
    public void Encode_BosThenOneIdPerChar()
    {
        var ids = tokenizer.Encode("Hi 5 °C\n");

        uint[] expected = [Bos, IdOf("H"), IdOf("i"), IdOf(" "), IdOf("5"), IdOf(" "), IdOf("°"), IdOf("C"), IdOf("\n")];
        Assert.Equal(expected, ids);
    }

    [Fact]
    public void Encode_UnknownCharFallsBackToBytes()
    {
        // "é" is U+00E9, UTF-8 bytes C3 A9, and does not occur in the generated data.
        var ids = tokenizer.Encode("é");

        uint[] expected = [Bos, IdOf("<0xC3>"), IdOf("<0xA9>")];
        Assert.Equal(expected, ids);
    }

    [Fact]
    public void Decode_ByteFallbackRoundTrip()
    {
        const string text = "naïve → ok";

        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void Decode_SkipsSpecialTokens()
    {
        uint[] ids = [Bos, IdOf("o"), IdOf("k"), 2];

        Assert.Equal("ok", tokenizer.Decode(ids));
    }

    [Fact]
    public void QuickstartTexts_OneCharTokenPerChar()
    {
        // Every character of the data is in the vocab, so no text needs <unk> or byte fallback.
        var failures = QuickstartAssets.AllTexts()
            .Where(text =>
            {
                var ids = tokenizer.Encode(text);
                return ids.Length != 1 + text.Length || ids.Skip(1).Any(id => id < FirstCharId);
            })
            .Take(3)
            .ToList();

        Assert.Empty(failures);
    }

    [Fact]
    public void QuickstartTexts_DecodeExactly()
    {
        var failures = QuickstartAssets.AllTexts()
            .Where(text => tokenizer.Decode(tokenizer.Encode(text)) != text)
            .Take(3)
            .ToList();

        Assert.Empty(failures);
    }

    [Fact]
    public void SftRecords_FitModelMaxLength()
    {
        var config = QuickstartAssets.ReadJson(QuickstartAssets.ModelFile("tokenizer_config.json"));
        var maxLength = (int)config["model_max_length"]!;

        // <s>, prompt and output, then </s>.
        var longest = QuickstartAssets.Train.Concat(QuickstartAssets.Eval)
            .Max(r => tokenizer.Encode(QuickstartAssets.RenderPrompt(r) + r.Output).Length + 1);

        Assert.True(longest <= maxLength, $"The longest SFT record has {longest} tokens, over model_max_length {maxLength}.");
    }
}
