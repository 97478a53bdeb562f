using System.Text.Json.Nodes;
using SharpTune.Generation;
using SharpTune.Mechanisms;
using SharpTune.Models;
using SharpTune.Models.Safetensors;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Tests.Export;

/// <summary><c>sharptune export --format hf</c>: a merged Hugging Face folder that loads and generates like the adapter.</summary>
public sealed class HfExportTests(TrainedAdapters adapters) : IClassFixture<TrainedAdapters>, IDisposable
{
    const string Prompt = "Once upon a time";
    readonly string _dir = TestPaths.NewTempDir("sharptune-hf-export");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static IReadOnlyList<long> Greedy(string modelDir, string? adapterDir)
    {
        using var model = PretrainedModel.Load(modelDir, ScalarType.Float32, CPU);
        if (adapterDir is not null)
            AdapterFolder.Load(model, adapterDir);
        using var tokenizer = HfTokenizer.Load(modelDir);
        var options = new GenerationOptions { MaxNewTokens = 64, StopIds = tokenizer.StopIds };
        return TextCompletion.Complete(model, tokenizer, Prompt, options).Ids;
    }

    [Fact]
    public void Merged_folder_generates_like_adapter()
    {
        var output = Path.Combine(_dir, "merged");

        var export = CliProcess.Run(_dir, "export", "--model", TestPaths.Stories260k, "--adapter", adapters.First, "--format", "hf", "--output", output);

        Assert.Equal(0, export.ExitCode);
        Assert.Equal(Greedy(TestPaths.Stories260k, adapters.First), Greedy(output, null));
    }

    [Fact]
    public void F16_folder_records_dtype()
    {
        var output = Path.Combine(_dir, "f16");

        var export = CliProcess.Run(_dir, "export", "--model", TestPaths.Stories260k, "--format", "hf", "--dtype", "f16", "--output", output);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "config.json")))!;
        using var reader = SafetensorsReader.Open(Path.Combine(output, "model.safetensors"));

        Assert.Equal(0, export.ExitCode);
        Assert.Equal("float16", config["torch_dtype"]!.GetValue<string>());
        Assert.Equal("F16", reader.GetInfo("model.embed_tokens.weight").Dtype);
        Assert.True(File.Exists(Path.Combine(output, "generation_config.json")));
        Assert.True(File.Exists(Path.Combine(output, "tokenizer.json")));
    }

    [Fact]
    public void Block_dtype_rejected_for_hf()
    {
        var export = CliProcess.Run(_dir, "export", "--model", TestPaths.Stories260k, "--format", "hf", "--dtype", "q8_0", "--output", Path.Combine(_dir, "q"));

        Assert.Equal(2, export.ExitCode);
        Assert.Contains("--format gguf", export.Stderr);
    }

    [Fact]
    public void Gguf_output_folder_rejected()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "existing")).FullName;
        File.WriteAllText(Path.Combine(folder, "keep.txt"), "kept");

        var export = CliProcess.Run(_dir, "export", "--model", TestPaths.Stories260k, "--format", "gguf", "--output", folder);

        Assert.Equal(2, export.ExitCode);
        Assert.Contains("--output", export.Stderr);
        Assert.Contains("is a folder", export.Stderr);
        Assert.Equal(["keep.txt"], Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void Gguf_export_needs_overwrite()
    {
        var file = Path.Combine(_dir, "old.gguf");
        File.WriteAllText(file, "an earlier export");

        var withoutFlag = CliProcess.Run(_dir, "export", "--model", TestPaths.Stories260k, "--format", "gguf", "--output", file);
        var textAfterRefusal = File.ReadAllText(file);
        var withFlag = CliProcess.Run(_dir, "export", "--model", TestPaths.Stories260k, "--format", "gguf", "--output", file, "--overwrite");

        Assert.Equal(2, withoutFlag.ExitCode);
        Assert.Contains("already exists; pass --overwrite", withoutFlag.Stderr);
        Assert.Equal("an earlier export", textAfterRefusal);
        Assert.Equal(0, withFlag.ExitCode);
        Assert.Equal("GGUF"u8.ToArray(), File.ReadAllBytes(file)[..4]);
    }

    [Fact]
    public void Hf_export_keeps_foreign_folder()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "notes")).FullName;
        File.WriteAllText(Path.Combine(folder, "keep.txt"), "kept");

        var export = CliProcess.Run(_dir, "export", "--model", TestPaths.Stories260k, "--format", "hf", "--output", folder, "--overwrite");

        Assert.Equal(2, export.ExitCode);
        Assert.Contains("did not write", export.Stderr);
        Assert.Equal(["keep.txt"], Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void Hf_export_keeps_user_model_copy()
    {
        var copy = Directory.CreateDirectory(Path.Combine(_dir, "model-copy")).FullName;
        foreach (var file in Directory.GetFiles(TestPaths.Stories260k))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        File.WriteAllText(Path.Combine(copy, "notes.txt"), "mine");

        var export = CliProcess.Run(_dir, "export", "--model", TestPaths.Stories260k, "--format", "hf", "--output", copy, "--overwrite");

        Assert.Equal(2, export.ExitCode);
        Assert.Contains("did not write", export.Stderr);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(copy, "notes.txt")));
    }

    [Fact]
    public void Export_keeps_run_holding_adapter()
    {
        var run = Directory.CreateDirectory(Path.Combine(_dir, "run")).FullName;
        var adapter = Path.Combine(run, "adapter");
        Directory.CreateDirectory(adapter);
        foreach (var file in Directory.GetFiles(adapters.First))
            File.Copy(file, Path.Combine(adapter, Path.GetFileName(file)));
        File.WriteAllText(Path.Combine(run, "summary.json"), "{}");

        var export = CliProcess.Run(_dir, "export", "--model", TestPaths.Stories260k, "--adapter", adapter, "--format", "hf", "--output", run, "--overwrite");

        Assert.Equal(2, export.ExitCode);
        Assert.Contains("is an input of this command or contains one", export.Stderr);
        Assert.True(File.Exists(Path.Combine(adapter, "adapter_config.json")));
    }

    [Fact]
    public void Gguf_export_keeps_model_weights()
    {
        var copy = Directory.CreateDirectory(Path.Combine(_dir, "model-for-gguf")).FullName;
        foreach (var file in Directory.GetFiles(TestPaths.Stories260k))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        var weights = Path.Combine(copy, "model.safetensors");
        var before = File.ReadAllBytes(weights);

        var export = CliProcess.Run(_dir, "export", "--model", copy, "--format", "gguf", "--output", weights, "--overwrite");

        Assert.Equal(2, export.ExitCode);
        Assert.Contains("inside an input folder", export.Stderr);
        Assert.Equal(before, File.ReadAllBytes(weights));
    }
}
