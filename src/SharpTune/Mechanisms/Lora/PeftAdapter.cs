using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Models.Families;
using SharpTune.Models.Llama;
using SharpTune.Models.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Lora;

/// <summary>
/// Reads and writes LoRA adapters in Hugging Face PEFT's layout: <c>adapter_config.json</c> with PEFT's field
/// names and <c>adapter_model.safetensors</c> with tensors named
/// <c>base_model.model.&lt;module path&gt;.lora_A.weight</c> (PEFT drops the adapter name "default" when saving).
/// </summary>
public static class PeftAdapter
{
    public const string ConfigFile = "adapter_config.json";
    public const string WeightsFile = "adapter_model.safetensors";
    const string Prefix = "base_model.model.";
    /// <summary>
    /// DoRA magnitude tensor name after the module path, as PEFT 0.12 and later save it; older PEFT versions
    /// saved it without <c>.weight</c>, and <see cref="Load"/> accepts both.
    /// </summary>
    const string MagnitudeSuffix = "lora_magnitude_vector.weight";

    /// <summary>Writes the model's LoRA layers to <paramref name="dir"/>, replacing it only once complete.</summary>
    public static void Save(nn.Module model, LoraOptions options, string dir, string? baseModelPath)
    {
        var full = Path.GetFullPath(dir);
        var temp = full + $".tmp-{Environment.ProcessId}";
        if (Directory.Exists(temp))
            Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);

        var tensors = new Dictionary<string, Tensor>();
        foreach (var (path, layer) in LoraModel.Layers(model))
        {
            tensors[$"{Prefix}{path}.lora_A.weight"] = layer.lora_A.weight!;
            tensors[$"{Prefix}{path}.lora_B.weight"] = layer.lora_B.weight!;
            if (layer.lora_magnitude_vector is not null)
                tensors[$"{Prefix}{path}.{MagnitudeSuffix}"] = layer.lora_magnitude_vector;
        }
        SafetensorsWriter.Save(Path.Combine(temp, WeightsFile), tensors);
        var config = ConfigJson(options, baseModelPath);
        config["fan_in_fan_out"] = UsesConv1D(model);
        File.WriteAllText(Path.Combine(temp, ConfigFile), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        FolderSwap.Replace(temp, full);
    }

    /// <summary>PEFT's LoraConfig fields for a causal-LM adapter.</summary>
    public static JsonObject ConfigJson(LoraOptions options, string? baseModelPath) => new()
    {
        ["peft_type"] = "LORA",
        ["task_type"] = "CAUSAL_LM",
        ["base_model_name_or_path"] = baseModelPath,
        ["r"] = options.R,
        ["lora_alpha"] = options.Alpha,
        ["lora_dropout"] = options.Dropout,
        ["target_modules"] = new JsonArray(options.TargetModules.Select(t => (JsonNode)t!).ToArray()),
        ["bias"] = "none",
        ["fan_in_fan_out"] = false,
        ["use_rslora"] = options.UseRsLora,
        ["use_dora"] = options.UseDora,
        ["init_lora_weights"] = true,
        ["inference_mode"] = true,
        ["modules_to_save"] = null,
        ["layers_to_transform"] = null,
        ["rank_pattern"] = new JsonObject(),
        ["alpha_pattern"] = new JsonObject(),
    };

    /// <summary>Reads <c>adapter_config.json</c> into LoRA options, rejecting settings SharpTune does not implement.</summary>
    /// <param name="dir">The adapter folder.</param>
    /// <param name="conv1DModel">Whether the base model stores Conv1D weights (GPT-2), for which PEFT sets fan_in_fan_out.</param>
    public static LoraOptions ReadOptions(string dir, bool conv1DModel = false)
    {
        var path = Path.Combine(dir, ConfigFile);
        if (!File.Exists(path))
            throw SharpTuneInputException.At(path, null, null, "adapter_config.json not found; pass a folder written by `sharptune train` or PEFT's save_pretrained");
        var json = JsonFiles.ReadObject(path);

        var type = json["peft_type"]?.GetValue<string>();
        if (type != "LORA")
            throw SharpTuneInputException.At(path, null, "peft_type", $"'{type}' is not supported here; expected LORA");
        if (json["rank_pattern"] is JsonObject ranks && ranks.Count > 0)
            throw SharpTuneInputException.At(path, null, "rank_pattern", "per-module ranks are not supported yet");
        RejectUnsupported(json, path, conv1DModel);

        var targets = json["target_modules"] switch
        {
            JsonArray array => array.Select(t => t!.GetValue<string>()).ToList(),
            // PEFT reads a single string as a regular expression over full module paths, unless it is "all-linear".
            JsonValue value when value.GetValue<string>() is var pattern && pattern != "all-linear" && !IsPlainName(pattern) =>
                throw SharpTuneInputException.At(path, null, "target_modules",
                    $"the regular expression '{pattern}' is not supported yet; list the module names, e.g. [\"q_proj\", \"v_proj\"]"),
            JsonValue value => [value.GetValue<string>()],
            _ => throw SharpTuneInputException.At(path, null, "target_modules", "missing; expected a list of module names"),
        };
        // NOTE: all-linear expands to the Llama names, so Phi-3 and GPT-2 adapters must list their module names.
        if (targets is ["all-linear"])
            targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

        return new LoraOptions
        {
            R = json["r"]?.GetValue<int>() ?? throw SharpTuneInputException.At(path, null, "r", "missing"),
            Alpha = json["lora_alpha"]?.GetValue<double>() ?? 8,
            Dropout = json["lora_dropout"]?.GetValue<double>() ?? 0,
            TargetModules = targets,
            UseRsLora = json["use_rslora"]?.GetValue<bool>() ?? false,
            UseDora = json["use_dora"]?.GetValue<bool>() ?? false,
        };
    }

    /// <summary>
    /// Rejects PEFT LoRA settings that change which weights exist or how they apply, because loading such an
    /// adapter while ignoring them would give a different model than PEFT does.
    /// </summary>
    static void RejectUnsupported(JsonObject json, string path, bool conv1DModel)
    {
        if (json["alpha_pattern"] is JsonObject alphas && alphas.Count > 0)
            throw SharpTuneInputException.At(path, null, "alpha_pattern", "per-module alpha values are not supported yet");
        if (json["layers_to_transform"] is JsonNode layers)
            throw SharpTuneInputException.At(path, null, "layers_to_transform",
                $"{layers.ToJsonString()}: adapting only some layers is not supported yet; train the adapter on all layers");
        if (json["bias"]?.GetValue<string>() is string bias && bias != "none")
            throw SharpTuneInputException.At(path, null, "bias", $"'{bias}' trains biases, which is not supported; expected \"none\"");
        if (json["lora_bias"]?.GetValue<bool>() == true)
            throw SharpTuneInputException.At(path, null, "lora_bias", "a bias on lora_B is not supported; expected false");
        // fan_in_fan_out only tells PEFT how to merge into a Conv1D weight; lora_A and lora_B have the same layout either way.
        if (json["fan_in_fan_out"]?.GetValue<bool>() == true && !conv1DModel)
            throw SharpTuneInputException.At(path, null, "fan_in_fan_out", "transposed (Conv1D) weights do not occur in Llama models; expected false");
        if (json["modules_to_save"] is JsonArray { Count: > 0 } saved)
            throw SharpTuneInputException.At(path, null, "modules_to_save",
                $"{saved.ToJsonString()}: fully trained extra modules are not supported yet");
        if (json["exclude_modules"] is JsonNode excluded && excluded.ToJsonString() is not ("[]" or "null"))
            throw SharpTuneInputException.At(path, null, "exclude_modules", $"{excluded.ToJsonString()}: excluding modules is not supported yet");
    }

    static bool IsPlainName(string name) => name.All(c => char.IsLetterOrDigit(c) || c == '_');

    /// <summary>Attaches the adapter in <paramref name="dir"/> to <paramref name="model"/> and loads its weights.</summary>
    public static LoraOptions Load(nn.Module model, string dir)
    {
        var options = ReadOptions(dir, UsesConv1D(model));
        LoraModel.Attach(model, options, seed: 0);
        var weightsPath = Path.Combine(dir, WeightsFile);
        using var reader = SafetensorsReader.Open(weightsPath);
        using var guard = no_grad();
        var used = new HashSet<string>();
        foreach (var (path, layer) in LoraModel.Layers(model))
        {
            var tensors = new List<(string Name, Tensor Parameter)>
            {
                ($"{Prefix}{path}.lora_A.weight", layer.lora_A.weight!),
                ($"{Prefix}{path}.lora_B.weight", layer.lora_B.weight!),
            };
            if (layer.lora_magnitude_vector is not null)
            {
                var name = $"{Prefix}{path}.{MagnitudeSuffix}";
                var legacyName = name[..^".weight".Length];
                tensors.Add((reader.Contains(legacyName) && !reader.Contains(name) ? legacyName : name, layer.lora_magnitude_vector));
            }
            foreach (var (name, parameter) in tensors)
            {
                if (!reader.Contains(name))
                    throw SharpTuneInputException.At(weightsPath, null, name, "tensor missing; the adapter does not match adapter_config.json or this model");
                using var stored = reader.GetTensor(name);
                if (!stored.shape.SequenceEqual(parameter.shape))
                    throw SharpTuneInputException.At(weightsPath, null, name,
                        $"shape [{string.Join(", ", stored.shape)}] does not match [{string.Join(", ", parameter.shape)}]; the adapter was trained on another model");
                parameter.copy_(stored);
                used.Add(name);
            }
        }
        var unknown = reader.Names.FirstOrDefault(n => !used.Contains(n));
        if (unknown is not null)
            throw SharpTuneInputException.At(weightsPath, null, unknown, "tensor matches no LoRA layer of this model; the adapter was trained on another model");
        return options;
    }

    // GPT-2 checkpoints store Conv1D weights; SharpTune holds them as linear layers (see Gpt2Conv1D).
    static bool UsesConv1D(nn.Module model) => model is LlamaForCausalLM { Config.Family: DecoderFamily.Gpt2 };
}
