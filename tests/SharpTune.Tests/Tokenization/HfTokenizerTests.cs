using SharpTune.Tokenization;

namespace SharpTune.Tests.Tokenization;

public sealed class HfTokenizerTests : IDisposable
{
    readonly HfTokenizer _stories = HfTokenizer.Load(TestPaths.Stories260k);

    public void Dispose() => _stories.Dispose();

    [Fact]
    public void Encode_OnceUponATime_HasNoBos()
    {
        // llama2.c's encoder gives [1, 403, 407, 261, 378] for this prompt, BOS first.
        Assert.Equal([403L, 407, 261, 378], _stories.Encode("Once upon a time"));
    }

    [Theory]
    [InlineData("Once upon a time")]
    [InlineData("Lily's mom said, \"Let's go to the park.\"\nTom was sad.")]
    [InlineData("café naïve ☕ 日本語")]
    [InlineData("emoji 🦊 and tab\there")]
    public void Decode_RoundTripsText(string text)
    {
        Assert.Equal(text, _stories.Decode(_stories.Encode(text)));
    }

    [Fact]
    public void Encode_UnicodeUsesByteFallback()
    {
        // "☕" is not among the 512 pieces, so it becomes its three UTF-8 bytes E2 98 95 as <0xNN> tokens.
        var ids = _stories.Encode("☕");
        var bytes = new[] { "<0xE2>", "<0x98>", "<0x95>" }.Select(t => _stories.TokenToId(t)!.Value);
        Assert.Equal(bytes, ids.Skip(ids.Count - 3));
    }

    [Fact]
    public void Decode_SkipsSpecialTokens()
    {
        Assert.Equal("Once upon", _stories.Decode([1, 403, 407, 2]));
    }

    [Fact]
    public void SpecialIds_Stories260k()
    {
        Assert.Equal(1L, _stories.BosId);
        Assert.Equal(2L, _stories.EosId);
        Assert.Null(_stories.PadId);
    }

    [Fact]
    public void StopIds_IncludeGenerationConfigList()
    {
        Assert.Equal([2L, 1L], _stories.StopIds);
    }

    [Fact]
    public void Flags_Stories260k()
    {
        Assert.True(_stories.AddBos);
        Assert.False(_stories.AddEos);
        Assert.Equal(512, _stories.ModelMaxLength);
        Assert.Equal(512, _stories.VocabSize);
    }

    [Fact]
    public void TokenToId_VocabAndAddedTokens()
    {
        Assert.Equal(378L, _stories.TokenToId("▁time"));
        Assert.Equal(2L, _stories.TokenToId("</s>"));
        Assert.Null(_stories.TokenToId("no-such-token"));
    }

    [Fact]
    public void Load_ObjectTokenAndPadToken()
    {
        var dir = TinyWordTokenizer.Create(padToken: "</s>");
        using var tokenizer = HfTokenizer.Load(dir);

        Assert.Equal(TinyWordTokenizer.Eos, tokenizer.EosId);
        Assert.Equal(TinyWordTokenizer.Eos, tokenizer.PadId);
    }

    [Fact]
    public void Load_HugeMaxLengthMeansNoLimit()
    {
        using var tokenizer = HfTokenizer.Load(TinyWordTokenizer.Create());

        Assert.Null(tokenizer.ModelMaxLength);
    }

    [Fact]
    public void Load_NoGenerationConfig_StopsOnEosOnly()
    {
        using var tokenizer = HfTokenizer.Load(TinyWordTokenizer.Create());

        Assert.Equal([TinyWordTokenizer.Eos], tokenizer.StopIds);
    }

    [Fact]
    public void Encode_TinyWords_HandKnownIds()
    {
        using var tokenizer = HfTokenizer.Load(TinyWordTokenizer.Create());

        Assert.Equal([TinyWordTokenizer.A, TinyWordTokenizer.C, TinyWordTokenizer.E], tokenizer.Encode("a c e"));
    }

    [Fact]
    public void Load_MissingTokenizerJson_NamesPath()
    {
        var dir = TestPaths.NewTempDir();
        var ex = Assert.Throws<SharpTuneInputException>(() => HfTokenizer.Load(dir));

        Assert.Contains(Path.Combine(dir, "tokenizer.json"), ex.Message);
    }

    [Fact]
    public void Load_UnknownEosToken_NamesKey()
    {
        var dir = TinyWordTokenizer.Create();
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{"eos_token": "<|end|>"}""");

        var ex = Assert.Throws<SharpTuneInputException>(() => HfTokenizer.Load(dir));

        Assert.Contains("tokenizer_config.json: eos_token: token \"<|end|>\"", ex.Message);
    }

    [Fact]
    public void Load_NullBosToken_MeansNoBos()
    {
        var dir = TinyWordTokenizer.Create();
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{"bos_token": null, "eos_token": "</s>"}""");
        using var tokenizer = HfTokenizer.Load(dir);

        Assert.Null(tokenizer.BosId);
        Assert.False(tokenizer.AddBos);
    }

    [Fact]
    public void Load_NoTokenizerConfig_UsesConfigIds()
    {
        var dir = TinyWordTokenizer.Create();
        File.Delete(Path.Combine(dir, "tokenizer_config.json"));
        using var tokenizer = HfTokenizer.Load(dir);

        Assert.Equal(TinyWordTokenizer.Bos, tokenizer.BosId);
        Assert.Equal(TinyWordTokenizer.Eos, tokenizer.EosId);
    }

    [Fact]
    public void Encode_EmptyText_NoTokens()
    {
        Assert.Empty(_stories.Encode(""));
    }

    [Fact]
    public void Load_UnknownModelType_NamesPath()
    {
        var dir = TinyWordTokenizer.Create();
        var path = Path.Combine(dir, "tokenizer.json");
        File.WriteAllText(path, """{"added_tokens": [], "model": {"type": "NoSuchModel", "vocab": {"a": 0}}}""");

        var ex = Assert.Throws<SharpTuneInputException>(() => HfTokenizer.Load(dir));

        Assert.StartsWith(path + ": Hugging Face tokenizers rejected the file", ex.Message);
    }

    [Fact]
    public void Load_InvalidJson_NamesLine()
    {
        var dir = TinyWordTokenizer.Create();
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), "{\n  \"model\": {,\n}");

        var ex = Assert.Throws<SharpTuneInputException>(() => HfTokenizer.Load(dir));

        Assert.Contains("tokenizer.json:2: invalid JSON", ex.Message);
    }
}
