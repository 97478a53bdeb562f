using SharpTune.Export;
using SharpTune.Generation;
using SharpTune.Models;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Tests.Export;

/// <summary>GGUF exports of stories260k run in llama.cpp (LLamaSharp) and decode as SharpTune does.</summary>
public sealed class GgufLlamaCppTests : IClassFixture<GgufLlamaCppTests.Exports>
{
    const string Prompt = "Once upon a time";

    /// <summary>stories260k exported once per type, and SharpTune's greedy run of the prompt.</summary>
    public sealed class Exports : IDisposable
    {
        public string Dir { get; } = TestPaths.NewTempDir("sharptune-gguf");
        public IReadOnlyList<long> PromptIds { get; }
        public IReadOnlyList<long> SharpTuneIds { get; }
        /// <summary>SharpTune's greedy run with its weights rounded as each export stores them.</summary>
        public Dictionary<GgmlType, IReadOnlyList<long>> RoundedIds { get; } = [];

        public Exports()
        {
            using var model = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
            using var tokenizer = HfTokenizer.Load(TestPaths.Stories260k);
            foreach (var type in new[] { GgmlType.F32, GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_0 })
                GgufExporter.Export(model, TestPaths.Stories260k, Path(type), type);
            PromptIds = TextCompletion.EncodePrompt(tokenizer, Prompt);
            var options = new GenerationOptions { MaxNewTokens = 512, StopIds = tokenizer.StopIds };
            SharpTuneIds = TextGenerator.Generate(model, PromptIds, options);
            foreach (var type in new[] { GgmlType.Q8_0, GgmlType.Q4_0 })
            {
                using var rounded = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
                GgmlDequantizer.RoundTrip(rounded, type);
                RoundedIds[type] = TextGenerator.Generate(rounded, PromptIds, options);
            }
        }

        public string Path(GgmlType type) => System.IO.Path.Combine(Dir, $"stories260k-{type}.gguf");

        public void Dispose() => Directory.Delete(Dir, recursive: true);
    }

    readonly Exports _exports;

    public GgufLlamaCppTests(Exports exports) => _exports = exports;

    [Fact]
    public void SharpTune_reproduces_reference_story()
    {
        // The 341-token greedy story that llama2.c's run.c prints for this prompt.
        Assert.Equal(341, _exports.SharpTuneIds.Count);
    }

    [Fact]
    public void Tokenizer_matches_prompt_ids()
    {
        using var llama = new LlamaCppModel(_exports.Path(GgmlType.F32));

        Assert.Equal([1, 403, 407, 261, 378], llama.Tokenize(Prompt));
    }

    [Fact]
    public void Stop_ids_end_generation()
    {
        using var llama = new LlamaCppModel(_exports.Path(GgmlType.F32));

        Assert.True(llama.IsEndOfGeneration(2));
        Assert.True(llama.IsEndOfGeneration(1));
        Assert.False(llama.IsEndOfGeneration(432));
    }

    [Theory]
    [InlineData(GgmlType.F32)]
    [InlineData(GgmlType.F16)]
    public void Greedy_story_matches_sharptune(GgmlType type)
    {
        using var llama = new LlamaCppModel(_exports.Path(type));

        var ids = llama.Greedy(_exports.PromptIds, maxNewTokens: 512);

        Assert.Equal(_exports.SharpTuneIds, ids);
    }

    // llama.cpp multiplies q8_0 and q4_0 weights with activations rounded to 8-bit blocks, which SharpTune does
    // not do, so after a long greedy run a near tie between two tokens can flip. Measured on this prompt: q8_0
    // agrees with the rounded-weight SharpTune run for 277 tokens and with the f32 run for 110; q4_0 for 150 and 23.
    [Theory]
    [InlineData(GgmlType.Q8_0, 128)]
    [InlineData(GgmlType.Q4_0, 128)]
    public void Quantized_story_starts_like_rounded_weights(GgmlType type, int count)
    {
        using var llama = new LlamaCppModel(_exports.Path(type));

        var ids = llama.Greedy(_exports.PromptIds, maxNewTokens: count);

        Assert.Equal(_exports.RoundedIds[type].Take(count), ids);
    }

    [Theory]
    [InlineData(GgmlType.Q8_0, 100)]
    [InlineData(GgmlType.Q4_0, 20)]
    public void Quantized_story_starts_like_f32(GgmlType type, int count)
    {
        using var llama = new LlamaCppModel(_exports.Path(type));

        var ids = llama.Greedy(_exports.PromptIds, maxNewTokens: count);

        Assert.Equal(_exports.SharpTuneIds.Take(count), ids);
    }
}
