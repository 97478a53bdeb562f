using System.CommandLine;
using Microsoft.Extensions.Logging;
using SharpTune.Export;
using SharpTune.Mechanisms.Qlora;
using SharpTune.Models;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune export</c>: writes a model, with an optional adapter merged in, as a Hugging Face folder or a GGUF file.</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var format = new Option<string>("--format")
        {
            Description = "hf: a Hugging Face folder (config, safetensors, tokenizer). gguf: one GGUF file for llama.cpp and Ollama.",
            Required = true,
        };
        format.AcceptOnlyFromAmong("hf", "gguf");
        var output = new Option<string>("--output") { Description = "Output folder (hf) or file (gguf).", Required = true };
        var dtype = new Option<string?>("--dtype")
        {
            Description = "Weight storage type: f32, f16, bf16, or for gguf also the 32-value block formats q8_0 and q4_0. Default: the model's torch_dtype.",
        };
        dtype.AcceptOnlyFromAmong([.. ExportDtype.Names]);
        var overwrite = new Option<bool>("--overwrite")
        {
            Description = "Replace an existing output (a GGUF file, or an hf folder that SharpTune wrote) once the new one is complete.",
        };

        var command = new Command("export", "Export a model, with an optional LoRA adapter merged in, for other runtimes.")
        {
            model, adapter, format, output, dtype, overwrite,
        };
        command.SetAction(CommandRunner.Guard(parse =>
        {
            var modelDir = parse.GetRequiredValue(model);
            var outputPath = parse.GetRequiredValue(output);
            var dtypeName = parse.GetValue(dtype) ?? ExportDtype.FromTorchDtype(ModelConfig.Load(modelDir).TorchDtype);
            bool gguf = parse.GetRequiredValue(format) == "gguf";
            if (gguf)
                OutputFolder.CheckFile(outputPath, "--output", parse.GetValue(overwrite), modelDir, parse.GetValue(adapter));
            else
                OutputFolder.Check(outputPath, "--output", parse.GetValue(overwrite), modelDir, parse.GetValue(adapter));
            var ggmlType = gguf ? ExportDtype.ToGgml(dtypeName) : default;
            var torchType = gguf ? default : ExportDtype.ToTorch(dtypeName);

            using var loaded = ModelExport.LoadMerged(modelDir, parse.GetValue(adapter));
            using var logging = ConsoleLogging.Create();
            if (ggmlType is GgmlType.Q8_0 or GgmlType.Q4_0
                && (QuantizedBaseRecord.Read(modelDir) ?? (parse.GetValue(adapter) is string adapterDir ? QuantizedBaseRecord.Read(adapterDir) : null)) is { } baseFormat)
                logging.CreateLogger("export").LogWarning("{Warning}", QuantizedBaseRecord.RequantizeWarning(baseFormat, dtypeName));
            if (gguf)
                ModelExport.SaveGguf(loaded, modelDir, outputPath, ggmlType, logging.CreateLogger("export"));
            else
                ModelExport.SaveHf(loaded, modelDir, outputPath, torchType);
            Console.Error.WriteLine($"Wrote {outputPath} ({parse.GetRequiredValue(format)}, {dtypeName})");
            return CommandRunner.Success;
        }));
        return command;
    }
}
