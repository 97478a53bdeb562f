using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SharpTune.Mechanisms;
using SharpTune.Mechanisms.Lora;
using SharpTune.Mechanisms.Qlora;
using SharpTune.Models;
using SharpTune.Models.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Export;

/// <summary>Loads a base model with an optional adapter folded in, and writes it as a Hugging Face folder or a GGUF file.</summary>
public static class ModelExport
{
    /// <summary>
    /// Loads <paramref name="modelDir"/> in float32 on the CPU and merges the adapter in <paramref name="adapterDir"/>
    /// into its weights. Only adapters that change existing weights can be merged; others raise an input error.
    /// </summary>
    public static LlamaForCausalLM LoadMerged(string modelDir, string? adapterDir)
    {
        var model = PretrainedModel.Load(modelDir, ScalarType.Float32, CPU);
        if (adapterDir is null)
            return model;
        // An adapter trained on a quantized base learned to correct the dequantized weights, so it is folded into those.
        if (QuantizedBaseRecord.Read(adapterDir) is { } baseFormat)
            QloraModel.Quantize(model, baseFormat.Quantize);
        AdapterFolder.Load(model, adapterDir);
        LoraModel.Merge(model);
        QloraModel.Dequantize(model);
        var extra = model.CheckpointTensors().Select(t => t.Name).FirstOrDefault(n => GgufTensorNames.Map(n) is null);
        if (extra is not null)
        {
            model.Dispose();
            throw SharpTuneInputException.At(adapterDir, null, "--adapter",
                $"the adapter adds parameter '{extra}', which cannot be folded into the base weights; export merges LoRA adapters only");
        }
        return model;
    }

    /// <summary>
    /// Writes a Hugging Face folder that transformers loads: config.json with <c>torch_dtype</c>, model.safetensors
    /// in <paramref name="dtype"/>, the tokenizer files, and generation_config.json (derived from config.json when
    /// the source has none).
    /// </summary>
    public static void SaveHf(LlamaForCausalLM model, string modelDir, string outputDir, ScalarType dtype)
    {
        if (dtype != model.DType)
            model.to(dtype);
        PretrainedModel.Save(model, outputDir, modelDir);
        var generationConfig = Path.Combine(outputDir, "generation_config.json");
        if (!File.Exists(generationConfig))
            File.WriteAllText(generationConfig, DefaultGenerationConfig(model.Config).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Writes a GGUF file for llama.cpp; see <see cref="GgufExporter"/>.</summary>
    public static void SaveGguf(LlamaForCausalLM model, string modelDir, string outputPath, GgmlType type, ILogger? logger = null) =>
        GgufExporter.Export(model, modelDir, outputPath, type, logger);

    // transformers builds the same object from config.json when a model ships no generation_config.json.
    static JsonObject DefaultGenerationConfig(ModelConfig config)
    {
        var json = new JsonObject();
        if (config.BosTokenId is long bos)
            json["bos_token_id"] = bos;
        json["eos_token_id"] = config.EosTokenIds.Count switch
        {
            0 => null,
            1 => config.EosTokenIds[0],
            _ => new JsonArray(config.EosTokenIds.Select(id => (JsonNode)id).ToArray()),
        };
        if (config.PadTokenId is long pad)
            json["pad_token_id"] = pad;
        return json;
    }
}
