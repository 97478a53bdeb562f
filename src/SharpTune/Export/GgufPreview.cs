using SharpTune.Models;
using SharpTune.Models.Llama;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Export;

/// <summary>What <see cref="GgufPreview"/> reproduces of a GGUF export running in llama.cpp.</summary>
public enum GgufPreviewMode
{
    /// <summary>Only the weights, rounded as the export stores them; activations stay float32.</summary>
    Weights,

    /// <summary>
    /// The weights, and the activations as llama.cpp's CPU backend rounds them: the input of every matrix product
    /// to the weight's <c>vec_dot_type</c> (q8_0 blocks for q8_0 and q4_0 weights, f16 for f16 weights), keys and
    /// values to f16 as its default KV cache stores them, and queries and attention weights to f16 as its f16
    /// attention products read them when flash attention is off (see <see cref="F16AttentionRounding"/>).
    /// </summary>
    LlamaCpp,
}

/// <summary>
/// Turns a loaded model into a preview of its GGUF export, so that generation shows what the exported file will
/// produce before it is deployed. The weights are rounded through the storage type that
/// <see cref="GgufExporter.StoredType"/> gives each tensor.
/// </summary>
public static class GgufPreview
{
    /// <summary>
    /// Rounds <paramref name="model"/> (float32, LoRA layers merged) in place as a GGUF file of
    /// <paramref name="type"/> stores it; with <see cref="GgufPreviewMode.LlamaCpp"/> also wraps its projections,
    /// output head and attention to round activations. The model is then for generation only: export it from
    /// the original weights.
    /// </summary>
    public static void Apply(LlamaForCausalLM model, GgmlType type, GgufPreviewMode mode)
    {
        if (model.DType != ScalarType.Float32)
            throw new ArgumentException($"a GGUF preview needs float32 weights, not {model.DType}", nameof(model));
        if (!GgufExporter.Supports(model.Config))
            throw new ArgumentException($"{model.Config.Architecture} has no GGUF layout, so it has no GGUF preview", nameof(model));

        using (no_grad())
        {
            foreach (var (_, parameter) in model.CheckpointTensors())
            {
                using var rounded = GgmlRounding.RoundTrip(parameter, GgufExporter.StoredType(parameter.shape, type));
                parameter.copy_(rounded);
            }
        }
        if (mode == GgufPreviewMode.Weights)
            return;

        foreach (var (_, module) in model.named_modules().ToList())
        {
            if (module is ProjectionHost host)
                WrapProjections(host, type);
            if (module is LlamaAttention attention)
                attention.Rounding = new F16AttentionRounding();
        }
        var head = model.lm_head?.weight ?? model.model.embed_tokens.weight!;
        var headInput = GgmlRounding.ActivationType(GgufExporter.StoredType(head.shape, type));
        model.HeadInputRounding = hidden => GgmlRounding.RoundTrip(hidden, headInput);
    }

    static void WrapProjections(ProjectionHost host, GgmlType type)
    {
        foreach (var name in host.ProjectionNames)
        {
            if (host.GetProjection(name) is not Linear linear)
                throw new InvalidOperationException($"projection '{name}' is a {host.GetProjection(name).GetType().Name}; merge adapters before a GGUF preview");
            var inputType = GgmlRounding.ActivationType(GgufExporter.StoredType(linear.weight!.shape, type));
            host.ReplaceProjection(name, new RoundedInputLinear(linear, inputType));
        }
    }
}
