using Microsoft.Extensions.Logging;
using SharpTune.Mechanisms.Qlora;
using SharpTune.Mechanisms.Reft;
using SharpTune.Models.Llama;
using SharpTune.Precision;
using SharpTune.Recipes;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// The trainable part of a preference or RLHF policy: LoRA over a full-precision or quantized base, ReFT
/// interventions over a frozen (possibly quantized) base, or the whole model.
/// </summary>
/// <param name="Lora">LoRA settings for <c>lora</c> and <c>qlora</c>, else null.</param>
/// <param name="Reft">The interventions for <c>loreft</c>, <c>direft</c> and <c>dii</c>, else null.</param>
/// <param name="BaseQuantization">How the frozen projections are stored, or null for full precision.</param>
public sealed record TrainablePolicy(Mechanisms.Lora.LoraOptions? Lora, ReftModel? Reft, BaseQuantization? BaseQuantization)
{
    /// <summary>
    /// True when the base weights stay frozen, so the reference is the policy with its adapters or interventions
    /// switched off (<see cref="Objectives.BaseModelScope"/>); false for full fine-tuning, which needs a frozen copy.
    /// </summary>
    public bool FreezesBase => Lora is not null || Reft is not null;

    /// <summary>Quantizes the base as <c>precision</c> and <c>mechanism</c> ask, then attaches the mechanism.</summary>
    public static TrainablePolicy Attach(LlamaForCausalLM model, Recipe recipe, HfTokenizer tokenizer, ILogger logger)
    {
        var quantization = QuantizeBase(model, recipe, logger);
        var reft = ReftRecipe.TryAttach(model, recipe, tokenizer, logger);
        var lora = reft is null ? RecipeRun.AttachMechanism(model, recipe, logger) : null;
        return new TrainablePolicy(lora, reft, quantization);
    }

    /// <summary>
    /// Stores the frozen projections in 4 or 8 bits when the recipe asks for it (qlora, nf4, fp4, int8) and
    /// returns the format, or null for a full-precision base.
    /// </summary>
    public static BaseQuantization? QuantizeBase(LlamaForCausalLM model, Recipe recipe, ILogger logger)
    {
        var quantization = RunPrecision.Base(recipe.Precision, recipe.Mechanism);
        if (quantization is null)
            return null;
        if (QuantizedBaseRecord.Read(recipe.Model) is { } mergedFrom)
            logger.LogWarning("{Model}: {Warning}", recipe.Model, QuantizedBaseRecord.RequantizeWarning(mergedFrom, quantization.Name));
        var quantized = QloraModel.Quantize(model, quantization.Quantize);
        logger.LogInformation("Stored {Count} projections in {Format}", quantized.Count, quantization.Description);
        return quantization;
    }

    /// <summary>
    /// Writes the interventions or the LoRA adapter to <c>adapter/</c> (a LoRA adapter with the quantized-base record when
    /// the base was quantized), else the whole model to <c>model/</c>, and the value head beside them; returns the folder.
    /// </summary>
    public string Save(LlamaForCausalLM model, string runDir, string baseModel, IReadOnlyDictionary<string, Tensor>? valueHead = null)
    {
        string artifactDir;
        if (Reft is not null)
        {
            artifactDir = Path.Combine(runDir, "adapter");
            ReftArtifact.Save(Reft, artifactDir, baseModel);
            if (valueHead is not null)
                PolicyArtifact.SaveValueHead(artifactDir, valueHead);
        }
        else
            artifactDir = PolicyArtifact.Save(model, Lora, runDir, baseModel, valueHead);
        // As in SFT runs, the record goes with a LoRA adapter, which merge and export read it from.
        if (BaseQuantization is not null && Lora is not null)
            QuantizedBaseRecord.Write(artifactDir, BaseQuantization, merged: false);
        return artifactDir;
    }
}
