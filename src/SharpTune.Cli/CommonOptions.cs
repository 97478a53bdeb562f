using System.CommandLine;
using SharpTune.Runtime;

namespace SharpTune.Cli;

/// <summary>Options that several commands share, built fresh for each command.</summary>
public static class CommonOptions
{
    public static Option<string> Device() => new Option<string>("--device")
    {
        Description = "Where tensors live: auto (CUDA when available), cpu or cuda.",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong([.. DeviceSelector.Choices]);

    public static Option<string> Model() => new("--model")
    {
        Description = "Hugging Face model directory (config.json, safetensors, tokenizer.json).",
        Required = true,
    };

    public static Option<string?> Adapter() => new("--adapter")
    {
        Description = "LoRA adapter directory in PEFT layout (adapter_config.json, adapter_model.safetensors).",
    };
}
