using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Models.Llama;
using SharpTune.Models.Safetensors;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Reft;

/// <summary>
/// Saves and loads a ReFT mechanism: <c>sharptune_adapter.json</c> with the <c>mechanism</c> name and settings,
/// and <c>reft_interventions.safetensors</c> with the intervention parameters only, named as in
/// <see cref="ReftModel"/> (<c>interventions.3.rotate_layer.householder</c>).
/// </summary>
public static class ReftArtifact
{
    public const string WeightsFile = "reft_interventions.safetensors";

    /// <summary>Mechanism names as <c>sharptune_adapter.json</c> spells them, by method.</summary>
    public static string MechanismName(ReftMethod method) => method.ToString().ToLowerInvariant();

    /// <summary>Registers a loader for every ReFT method with <see cref="AdapterFolder"/>.</summary>
    public static void RegisterLoaders(Action<string, Action<LlamaForCausalLM, string>> register)
    {
        foreach (var method in Enum.GetValues<ReftMethod>())
            register(MechanismName(method), (model, dir) => Load(model, dir));
    }

    /// <summary>Writes the interventions and settings to <paramref name="dir"/>, replacing it only once complete.</summary>
    public static void Save(ReftModel reft, string dir, string? baseModelPath)
    {
        var full = Path.GetFullPath(dir);
        var temp = full + $".tmp-{Environment.ProcessId}";
        if (Directory.Exists(temp))
            Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);

        var tensors = reft.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        SafetensorsWriter.Save(Path.Combine(temp, WeightsFile), tensors);
        File.WriteAllText(Path.Combine(temp, AdapterFolder.ConfigFile),
            ConfigJson(reft.Options, baseModelPath).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        FolderSwap.Replace(temp, full);
    }

    static JsonObject ConfigJson(ReftOptions options, string? baseModelPath)
    {
        var json = new JsonObject
        {
            ["mechanism"] = MechanismName(options.Method),
            ["base_model_name_or_path"] = baseModelPath,
            ["layers"] = options.Layers is null ? null : new JsonArray(options.Layers.Select(l => (JsonNode)l).ToArray()),
            ["r"] = options.R,
            ["first_positions"] = options.FirstPositions,
            ["last_positions"] = options.LastPositions,
            ["generated_positions"] = options.GeneratedPositions,
        };
        if (options.SourceIds is not null)
            json["source_ids"] = new JsonArray(options.SourceIds.Select(id => (JsonNode)id).ToArray());
        return json;
    }

    /// <summary>Attaches the saved interventions to <paramref name="model"/> and loads their parameters.</summary>
    public static ReftModel Load(LlamaForCausalLM model, string dir)
    {
        var options = ReadOptions(dir);
        var reft = ReftAttach.Attach(model, options, seed: 0);

        var weights = Path.Combine(dir, WeightsFile);
        if (!File.Exists(weights))
            throw SharpTuneInputException.At(weights, null, null, $"{WeightsFile} not found; pass the adapter/ folder that `sharptune train` wrote");
        using var reader = SafetensorsReader.Open(weights);
        using var guard = no_grad();
        foreach (var (name, parameter) in reft.named_parameters())
        {
            if (!reader.Contains(name))
                throw SharpTuneInputException.At(weights, null, name, "tensor missing; the file does not match its sharptune_adapter.json");
            using var stored = reader.GetTensor(name);
            if (!stored.shape.SequenceEqual(parameter.shape))
                throw SharpTuneInputException.At(weights, null, name,
                    $"shape [{string.Join(", ", stored.shape)}] does not match [{string.Join(", ", parameter.shape)}] for this model; load it onto the base model it was trained on");
            parameter.copy_(stored);
        }
        return reft;
    }

    /// <summary>Reads the settings from <c>sharptune_adapter.json</c>, naming the file and field of any bad value.</summary>
    public static ReftOptions ReadOptions(string dir)
    {
        var path = Path.Combine(dir, AdapterFolder.ConfigFile);
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw SharpTuneInputException.At(path, null, null, "expected a JSON object");
        }
        catch (JsonException e)
        {
            throw SharpTuneInputException.At(path, (e.LineNumber ?? 0) + 1, null, $"invalid JSON: {e.Message}");
        }

        var name = json["mechanism"]?.GetValue<string>();
        var method = Enum.GetValues<ReftMethod>().Cast<ReftMethod?>().FirstOrDefault(m => MechanismName(m!.Value) == name)
            ?? throw SharpTuneInputException.At(path, null, "mechanism", $"'{name}' is not a ReFT method; use one of loreft, direft, dii, brep");
        try
        {
            return new ReftOptions
            {
                Method = method,
                Layers = json["layers"] is JsonArray layers ? layers.Select(l => l!.GetValue<int>()).ToArray() : null,
                R = Int(json, "r", path),
                FirstPositions = Int(json, "first_positions", path),
                LastPositions = Int(json, "last_positions", path),
                GeneratedPositions = Int(json, "generated_positions", path),
                SourceIds = json["source_ids"] is JsonArray ids ? ids.Select(i => i!.GetValue<long>()).ToArray() : null,
            };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
        {
            throw SharpTuneInputException.At(path, null, "layers, source_ids", $"expected a list of whole numbers ({e.Message}); rewrite the file with `sharptune train`");
        }
    }

    static int Int(JsonObject json, string field, string path)
    {
        if (json[field] is JsonValue value && value.TryGetValue<int>(out var number))
            return number;
        throw SharpTuneInputException.At(path, null, field, "missing or not a whole number; rewrite the file with `sharptune train`");
    }
}
