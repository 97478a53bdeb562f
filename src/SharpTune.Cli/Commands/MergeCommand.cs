using System.CommandLine;
using SharpTune.Mechanisms.Lora;
using SharpTune.Mechanisms.Qlora;
using SharpTune.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune merge</c>: folds a LoRA adapter into the base weights and writes a full model.</summary>
public static class MergeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var adapter = new Option<string>("--adapter") { Description = "LoRA adapter directory (PEFT layout).", Required = true };
        var output = new Option<string>("--output") { Description = "Directory for the merged Hugging Face model.", Required = true };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing output folder that SharpTune wrote." };

        var command = new Command("merge", "Merge a LoRA adapter into its base model.") { model, adapter, output, overwrite };
        command.SetAction(CommandRunner.Guard(parse =>
        {
            var modelDir = parse.GetRequiredValue(model);
            var adapterDir = parse.GetRequiredValue(adapter);
            OutputFolder.Check(parse.GetRequiredValue(output), "--output", parse.GetValue(overwrite), modelDir, adapterDir);
            using var loaded = PretrainedModel.Load(modelDir, ScalarType.Float32, CPU);

            // An adapter trained on a quantized base learned to correct the dequantized weights, so it is folded into those.
            var baseFormat = QuantizedBaseRecord.Read(adapterDir);
            if (baseFormat is not null)
                QloraModel.Quantize(loaded, baseFormat.Quantize);
            var options = PeftAdapter.Load(loaded, adapterDir);
            int merged = LoraModel.Merge(loaded);
            QloraModel.Dequantize(loaded);

            // Merging runs in float32; the merged model is stored in the base model's own dtype.
            var storedDtype = PretrainedModel.DtypeFromName(loaded.Config.TorchDtype);
            if (storedDtype != ScalarType.Float32)
                loaded.to(storedDtype);
            PretrainedModel.Save(loaded, parse.GetRequiredValue(output), modelDir);
            Console.Error.WriteLine($"Merged {merged} LoRA layers (r={options.R}, alpha={options.Alpha}) into {parse.GetRequiredValue(output)}");
            if (baseFormat is not null)
            {
                QuantizedBaseRecord.Write(parse.GetRequiredValue(output), baseFormat, merged: true);
                Console.Error.WriteLine($"The adapter was trained on a base stored in {baseFormat.Name}: merged into the dequantized base and stored in {PretrainedModel.DtypeName(loaded.DType)}. "
                    + "Quantizing this model again (export --dtype q8_0 or q4_0, or training it with precision nf4, fp4 or int8) shifts its outputs.");
            }
            return CommandRunner.Success;
        }));
        return command;
    }
}
