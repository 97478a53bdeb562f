using static TorchSharp.torch;

namespace SharpTune.Export;

/// <summary>Storage types that <c>sharptune export</c> accepts, by their command-line names.</summary>
public static class ExportDtype
{
    public static readonly IReadOnlyList<string> Names = ["f32", "f16", "bf16", "q8_0", "q4_0"];

    /// <summary>Returns the GGUF tensor type for <paramref name="name"/>.</summary>
    public static GgmlType ToGgml(string name) => name switch
    {
        "f32" => GgmlType.F32,
        "f16" => GgmlType.F16,
        "bf16" => GgmlType.BF16,
        "q8_0" => GgmlType.Q8_0,
        "q4_0" => GgmlType.Q4_0,
        _ => throw new SharpTuneInputException($"--dtype: '{name}' is not one of {string.Join(", ", Names)}"),
    };

    /// <summary>Returns the torch dtype for a Hugging Face export; block-quantized types have no safetensors form.</summary>
    public static ScalarType ToTorch(string name) => name switch
    {
        "f32" => ScalarType.Float32,
        "f16" => ScalarType.Float16,
        "bf16" => ScalarType.BFloat16,
        _ => throw new SharpTuneInputException($"--dtype: '{name}' is only available with --format gguf; use f32, f16 or bf16 for --format hf"),
    };

    /// <summary>The name matching a config.json <c>torch_dtype</c>, used when --dtype is not given.</summary>
    public static string FromTorchDtype(string torchDtype) => torchDtype switch
    {
        "bfloat16" => "bf16",
        "float16" => "f16",
        _ => "f32",
    };
}
