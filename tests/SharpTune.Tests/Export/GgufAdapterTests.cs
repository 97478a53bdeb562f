using SharpTune.Generation;
using SharpTune.Mechanisms;
using SharpTune.Models;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Tests.Export;

/// <summary>A LoRA adapter exported merged to GGUF by <c>sharptune export</c> decodes in llama.cpp as SharpTune does with the adapter attached.</summary>
public sealed class GgufAdapterTests(TrainedAdapters adapters) : IClassFixture<TrainedAdapters>, IDisposable
{
    const string Prompt = "Once upon a time";
    readonly string _dir = TestPaths.NewTempDir("sharptune-gguf-lora");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static (IReadOnlyList<long> Prompt, IReadOnlyList<long> Generated) SharpTuneGreedy(string? adapterDir)
    {
        using var model = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
        if (adapterDir is not null)
            AdapterFolder.Load(model, adapterDir);
        using var tokenizer = HfTokenizer.Load(TestPaths.Stories260k);
        var promptIds = TextCompletion.EncodePrompt(tokenizer, Prompt);
        return (promptIds, TextGenerator.Generate(model, promptIds, new GenerationOptions { MaxNewTokens = 512, StopIds = tokenizer.StopIds }));
    }

    [Fact]
    public void Merged_lora_gguf_matches_adapter()
    {
        var gguf = Path.Combine(_dir, "lora.gguf");
        var export = CliProcess.Run(_dir, "export", "--model", TestPaths.Stories260k, "--adapter", adapters.First,
            "--format", "gguf", "--dtype", "f32", "--output", gguf);
        var (promptIds, withAdapter) = SharpTuneGreedy(adapters.First);
        var (_, withoutAdapter) = SharpTuneGreedy(null);

        using var llama = new LlamaCppModel(gguf);
        var ids = llama.Greedy(promptIds, maxNewTokens: 512);

        Assert.Equal(0, export.ExitCode);
        Assert.NotEqual(withoutAdapter, withAdapter);
        Assert.Equal(withAdapter, ids);
    }
}
