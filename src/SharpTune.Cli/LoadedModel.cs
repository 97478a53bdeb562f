using SharpTune.Export;
using SharpTune.Mechanisms;
using SharpTune.Models;
using SharpTune.Models.Llama;
using TorchSharp;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Cli;

/// <summary>A model with its tokenizer and optional LoRA adapter, as the inference commands load it.</summary>
public sealed class LoadedModel : IDisposable
{
    public required LlamaForCausalLM Model { get; init; }
    public required HfTokenizer Tokenizer { get; init; }

    public static LoadedModel Load(string modelDir, string? adapterDir, Device device)
    {
        var model = PretrainedModel.Load(modelDir, ScalarType.Float32, CPU);
        if (adapterDir is not null)
            AdapterFolder.Load(model, adapterDir);
        if (device.type != DeviceType.CPU)
            model.to(device);
        model.eval();
        return new LoadedModel { Model = model, Tokenizer = HfTokenizer.Load(modelDir) };
    }

    /// <summary>
    /// Loads the model with the adapter merged, as <c>sharptune export</c> does, and rounds it as a GGUF file of
    /// <paramref name="type"/> computes in llama.cpp (see <see cref="GgufPreview"/>).
    /// </summary>
    public static LoadedModel LoadGgufPreview(string modelDir, string? adapterDir, Device device, GgmlType type, GgufPreviewMode mode)
    {
        var model = ModelExport.LoadMerged(modelDir, adapterDir);
        try
        {
            GgufExporter.CheckArchitecture(model.Config, modelDir);
            GgufPreview.Apply(model, type, mode);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        if (device.type != DeviceType.CPU)
            model.to(device);
        model.eval();
        return new LoadedModel { Model = model, Tokenizer = HfTokenizer.Load(modelDir) };
    }

    public void Dispose()
    {
        Model.Dispose();
        Tokenizer.Dispose();
    }
}
