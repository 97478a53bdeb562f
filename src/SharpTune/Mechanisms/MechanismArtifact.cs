using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Models.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms;

/// <summary>
/// SharpTune's own artifact layout: <c>sharptune_adapter.json</c> (a <c>mechanism</c> field plus that mechanism's
/// settings) and <c>adapter.safetensors</c> with only the trained tensors.
/// </summary>
public static class MechanismArtifact
{
    public const string WeightsFile = "adapter.safetensors";

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes the config and tensors to <paramref name="dir"/>, replacing it only once both are complete.</summary>
    public static void Save(string dir, string mechanism, JsonObject settings, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var full = Path.GetFullPath(dir);
        var temp = full + $".tmp-{Environment.ProcessId}";
        if (Directory.Exists(temp))
            Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);

        var config = new JsonObject { ["mechanism"] = mechanism };
        foreach (var (key, value) in settings)
            config[key] = value?.DeepClone();
        SafetensorsWriter.Save(Path.Combine(temp, WeightsFile), tensors);
        File.WriteAllText(Path.Combine(temp, AdapterFolder.ConfigFile), config.ToJsonString(Indented));
        FolderSwap.Replace(temp, full);
    }

    /// <summary>Reads <c>sharptune_adapter.json</c> of <paramref name="dir"/>.</summary>
    public static JsonObject ReadConfig(string dir)
    {
        var path = Path.Combine(dir, AdapterFolder.ConfigFile);
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw SharpTuneInputException.At(path, null, null, "expected a JSON object; pass a folder that `sharptune train` wrote");
        }
        catch (JsonException e)
        {
            throw SharpTuneInputException.At(path, (e.LineNumber ?? 0) + 1, null, $"invalid JSON: {e.Message}");
        }
    }

    /// <summary>Reads a required field of the config, raising an error that names the file and field.</summary>
    public static T Required<T>(JsonObject config, string dir, string field)
    {
        var path = Path.Combine(dir, AdapterFolder.ConfigFile);
        try
        {
            var node = config[field] ?? throw SharpTuneInputException.At(path, null, field, "missing; the artifact is incomplete, so train it again");
            return node.GetValue<T>();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw SharpTuneInputException.At(path, null, field, $"has the wrong type ({e.Message}); the artifact is damaged, so train it again");
        }
    }

    /// <summary>Reads a list of strings from the config.</summary>
    public static IReadOnlyList<string> RequiredNames(JsonObject config, string dir, string field)
    {
        if (config[field] is not JsonArray array)
            throw SharpTuneInputException.At(Path.Combine(dir, AdapterFolder.ConfigFile), null, field, "missing or not a list; the artifact is damaged, so train it again");
        return array.Select(n => n!.GetValue<string>()).ToList();
    }

    /// <summary>
    /// Copies every stored tensor into the parameter of the same name and checks that the names match both ways,
    /// so an artifact from another model or mechanism fails with the first name that differs.
    /// </summary>
    public static void LoadParameters(string dir, IReadOnlyDictionary<string, Tensor> parameters)
    {
        var weightsPath = Path.Combine(dir, WeightsFile);
        if (!File.Exists(weightsPath))
            throw SharpTuneInputException.At(weightsPath, null, null, "file not found; pass the adapter/ folder that `sharptune train` wrote");
        using var reader = SafetensorsReader.Open(weightsPath);
        using var guard = no_grad();
        foreach (var (name, parameter) in parameters)
        {
            if (!reader.Contains(name))
                throw SharpTuneInputException.At(weightsPath, null, name, "tensor missing; the artifact does not match its config or this model");
            using var stored = reader.GetTensor(name);
            if (!stored.shape.SequenceEqual(parameter.shape))
                throw SharpTuneInputException.At(weightsPath, null, name,
                    $"shape [{string.Join(", ", stored.shape)}] does not match [{string.Join(", ", parameter.shape)}]; the artifact was trained on another model");
            parameter.copy_(stored);
        }
        var unknown = reader.Names.FirstOrDefault(n => !parameters.ContainsKey(n));
        if (unknown is not null)
            throw SharpTuneInputException.At(weightsPath, null, unknown, "tensor matches no parameter of this model; the artifact was trained on another model");
    }

    /// <summary>The trainable parameters of <paramref name="model"/> by name: what a selective artifact stores.</summary>
    public static Dictionary<string, Tensor> TrainableParameters(nn.Module model) =>
        model.named_parameters().Where(p => p.parameter.requires_grad).ToDictionary(p => p.name, p => (Tensor)p.parameter);

    /// <summary>Sets <c>requires_grad = false</c> on every parameter.</summary>
    public static void FreezeAll(nn.Module model)
    {
        foreach (var parameter in model.parameters())
            parameter.requires_grad = false;
    }
}
