using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Mechanisms.Lora;
using SharpTune.Models.Llama;

namespace SharpTune.Mechanisms;

/// <summary>
/// Loads a saved tuning artifact onto a base model, whatever the mechanism: PEFT folders are recognised by
/// <c>adapter_config.json</c>, SharpTune's own by <c>sharptune_adapter.json</c> whose <c>mechanism</c> field picks
/// the loader.
/// </summary>
public static class AdapterFolder
{
    public const string ConfigFile = "sharptune_adapter.json";

    /// <summary>Loaders for SharpTune's own artifact kinds, by <c>mechanism</c> name.</summary>
    static readonly Dictionary<string, Action<LlamaForCausalLM, string>> Loaders = new(StringComparer.Ordinal);

    static AdapterFolder()
    {
        MechanismCatalog.RegisterBuiltIns();
        Reft.ReftArtifact.RegisterLoaders(Register);
    }

    /// <summary>Registers the loader for a mechanism's artifacts; mechanisms call this from their own code.</summary>
    public static void Register(string mechanism, Action<LlamaForCausalLM, string> loader) => Loaders[mechanism] = loader;

    /// <summary>Attaches the artifact in <paramref name="dir"/> to <paramref name="model"/> and loads its weights.</summary>
    public static void Load(LlamaForCausalLM model, string dir)
    {
        if (!Directory.Exists(dir))
            throw SharpTuneInputException.At(dir, null, "--adapter", "folder not found; pass the adapter/ folder that `sharptune train` wrote");
        if (File.Exists(Path.Combine(dir, PeftAdapter.ConfigFile)))
        {
            PeftAdapter.Load(model, dir);
            return;
        }

        var path = Path.Combine(dir, ConfigFile);
        if (!File.Exists(path))
            throw SharpTuneInputException.At(dir, null, "--adapter",
                $"neither {PeftAdapter.ConfigFile} nor {ConfigFile} found; pass the adapter/ folder that `sharptune train` wrote");
        string? mechanism;
        try
        {
            mechanism = JsonNode.Parse(File.ReadAllText(path))?["mechanism"]?.GetValue<string>();
        }
        catch (JsonException e)
        {
            throw SharpTuneInputException.At(path, (e.LineNumber ?? 0) + 1, null, $"invalid JSON: {e.Message}");
        }
        if (mechanism is null || !Loaders.TryGetValue(mechanism, out var loader))
            throw SharpTuneInputException.At(path, null, "mechanism",
                $"'{mechanism}' is not a mechanism this build can load; known: {string.Join(", ", Loaders.Keys.Prepend("lora"))}");
        loader(model, dir);
    }
}
