using System.Text.Json.Nodes;
using SharpTune.Precision;

namespace SharpTune.Mechanisms.Qlora;

/// <summary>
/// Records that a LoRA adapter was trained on a quantized base (QLoRA, or LoRA with <c>precision</c> nf4, fp4 or
/// int8), in a file beside the PEFT files of the adapter and in a model merged from it. PEFT's
/// <c>adapter_config.json</c> has no field for this, and an unknown field there can break PEFT's loader.
/// </summary>
/// <remarks>
/// The adapter learned to correct the dequantized base, not the original weights, so merging folds it into the
/// dequantized base. Storing the merged weights in a quantized format again (nf4, int8, GGUF q8_0 or q4_0) rounds
/// them anew. The result is neither the base the adapter trained against nor the merged model, so its outputs
/// shift from those of the trained model.
/// </remarks>
public static class QuantizedBaseRecord
{
    public const string FileName = "sharptune_quantized_base.json";

    /// <summary>Writes the record into <paramref name="dir"/> (complete or not at all).</summary>
    public static void Write(string dir, BaseQuantization format, bool merged)
    {
        var json = new JsonObject { ["base_quantization"] = format.Name, ["merged"] = merged };
        var path = Path.Combine(dir, FileName);
        var temp = path + $".tmp-{Environment.ProcessId}";
        File.WriteAllText(temp, json.ToJsonString() + "\n");
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The base format recorded in <paramref name="dir"/>, or null when the folder has no record.</summary>
    public static BaseQuantization? Read(string dir)
    {
        var path = Path.Combine(dir, FileName);
        if (!File.Exists(path))
            return null;
        var json = JsonFiles.ReadObject(path);
        var name = json["base_quantization"]?.GetValue<string>();
        return BaseQuantization.FromName(name ?? "")
            ?? throw SharpTuneInputException.At(path, null, "base_quantization", $"'{name}' is not nf4, fp4 or int8; delete the file or write one of those");
    }

    /// <summary>
    /// The warning for storing weights merged from an adapter trained on a <paramref name="format"/> base in
    /// <paramref name="target"/> again.
    /// </summary>
    public static string RequantizeWarning(BaseQuantization format, string target) =>
        $"the adapter was trained on a base stored in {format.Name} and merged into its dequantized weights; storing the merged " +
        $"model in {target} quantizes it again, so its outputs will shift from the trained model's. Compare generations " +
        $"before you ship it, or keep the merged model in bf16 or f32";
}
