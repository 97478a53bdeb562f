using SharpTune.Mechanisms.Lora;
using SharpTune.Models;
using SharpTune.Models.Llama;
using SharpTune.Models.Safetensors;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>Saves a tuned policy the way <c>generate</c>, <c>merge</c> and PEFT read it, with an optional value head beside it.</summary>
public static class PolicyArtifact
{
    /// <summary>File name of a value head (a reward model's or PPO's), saved beside the adapter or model weights.</summary>
    public const string ValueHeadFile = "value_head.safetensors";

    /// <summary>
    /// Writes the LoRA adapter to <c>adapter/</c> when <paramref name="lora"/> is set, else the whole model to
    /// <c>model/</c>, and <paramref name="valueHead"/> there as <see cref="ValueHeadFile"/>; returns the folder.
    /// </summary>
    public static string Save(LlamaForCausalLM model, Mechanisms.Lora.LoraOptions? lora, string runDir, string baseModel,
        IReadOnlyDictionary<string, Tensor>? valueHead = null)
    {
        var artifactDir = Path.Combine(runDir, lora is not null ? "adapter" : "model");
        if (lora is not null)
            PeftAdapter.Save(model, lora, artifactDir, baseModel);
        else
            PretrainedModel.Save(model, artifactDir, baseModel);
        if (valueHead is not null)
            SaveValueHead(artifactDir, valueHead);
        return artifactDir;
    }

    /// <summary>Writes <paramref name="valueHead"/> to <paramref name="artifactDir"/> as <see cref="ValueHeadFile"/>.</summary>
    public static void SaveValueHead(string artifactDir, IReadOnlyDictionary<string, Tensor> valueHead) =>
        SafetensorsWriter.Save(Path.Combine(artifactDir, ValueHeadFile), valueHead);
}
