using Microsoft.Extensions.Logging;
using SharpTune.Models.Families;
using SharpTune.Models.Llama;
using SharpTune.Models.Safetensors;
using SharpTune.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>Loads and saves Hugging Face model directories (config.json + safetensors + tokenizer files).</summary>
public static class PretrainedModel
{
    /// <summary>Tokenizer and generation files copied alongside saved weights so the folder is self-contained.</summary>
    public static readonly IReadOnlyList<string> CompanionFiles =
    [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json",
        "tokenizer.model", "tok512.model", "chat_template.jinja",
    ];

    /// <summary>Reads config.json and the weights in <paramref name="modelDir"/> into a model of <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public static LlamaForCausalLM Load(string modelDir, ScalarType dtype, Device device, ILogger? logger = null)
    {
        TorchRuntime.EnsureLoaded();
        var config = ModelConfig.Load(modelDir);
        var model = new LlamaForCausalLM(config, dtype);
        using (var checkpoint = SafetensorsCheckpoint.Open(modelDir))
            WeightLoader.Load(model, Gpt2Conv1D.AsLinear(config, checkpoint), logger);
        if (device.type != DeviceType.CPU)
            model.to(device);
        model.eval();
        return model;
    }

    /// <summary>Builds a model from <paramref name="config"/> with random weights, for training from scratch.</summary>
    public static LlamaForCausalLM CreateRandom(ModelConfig config, ScalarType dtype, Device device, long seed)
    {
        var model = new LlamaForCausalLM(config, dtype);
        model.InitializeWeights(seed);
        if (device.type != DeviceType.CPU)
            model.to(device);
        return model;
    }

    /// <summary>
    /// Writes <paramref name="model"/> as a Hugging Face directory: config.json, model.safetensors and the
    /// tokenizer files from <paramref name="sourceDir"/>. Everything is written to a temporary sibling folder that
    /// replaces <paramref name="outputDir"/> only when complete, so a failure never leaves a half-written model.
    /// </summary>
    public static void Save(LlamaForCausalLM model, string outputDir, string? sourceDir)
    {
        var full = Path.GetFullPath(outputDir);
        var temp = full + $".tmp-{Environment.ProcessId}";
        if (Directory.Exists(temp))
            Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);

        var tensors = model.CheckpointTensors().ToDictionary(t => t.Name, t => t.Tensor);
        SafetensorsWriter.Save(Path.Combine(temp, SafetensorsCheckpoint.SingleFileName), tensors);
        File.WriteAllText(Path.Combine(temp, "config.json"), model.Config.ToJson(DtypeName(model.DType)));
        if (sourceDir is not null)
            foreach (var file in CompanionFiles)
            {
                var source = Path.Combine(sourceDir, file);
                if (File.Exists(source))
                    File.Copy(source, Path.Combine(temp, file));
            }

        FolderSwap.Replace(temp, full);
    }

    /// <summary>The dtype a <c>torch_dtype</c> string names; float32 for anything else.</summary>
    public static ScalarType DtypeFromName(string torchDtype) => torchDtype switch
    {
        "bfloat16" => ScalarType.BFloat16,
        "float16" => ScalarType.Float16,
        _ => ScalarType.Float32,
    };

    /// <summary>The <c>torch_dtype</c> string transformers writes for a dtype.</summary>
    public static string DtypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        _ => "float32",
    };
}
