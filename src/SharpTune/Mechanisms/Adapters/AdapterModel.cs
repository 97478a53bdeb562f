using System.Text.Json.Nodes;
using SharpTune.Models.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Adapters;

/// <summary>
/// Inserts bottleneck adapters after the attention output projection (<c>o_proj</c>) and/or the MLP output
/// projection (<c>down_proj</c>) of every layer, before the residual add, and freezes the base model.
/// </summary>
public static class AdapterModel
{
    public const string Name = "adapter";

    /// <summary>Wraps the projections and returns their module paths.</summary>
    public static IReadOnlyList<string> Attach(LlamaForCausalLM model, AdapterOptions options, long seed)
    {
        if (options.BottleneckSize <= 0)
            throw new SharpTuneInputException($"adapter.bottleneck_size: must be a positive integer, got {options.BottleneckSize}");
        if (!options.MhAdapter && !options.OutputAdapter)
            throw new SharpTuneInputException("adapter.mh_adapter and adapter.output_adapter are both false, so no adapter would train; set one of them to true");
        var targets = new List<string>();
        if (options.MhAdapter)
            targets.Add("o_proj");
        if (options.OutputAdapter)
            targets.Add("down_proj");
        var found = ProjectionTargets.Find(model, targets, "adapter");

        MechanismArtifact.FreezeAll(model);
        long hidden = model.Config.HiddenSize;
        // Seed the down-projections' initialisation so that a run is reproducible from its seed alone.
        var saved = torch.random.get_rng_state();
        torch.random.manual_seed(seed);
        try
        {
            foreach (var (_, host, name) in found)
                host.ReplaceProjection(name, new BottleneckAdapter(host.GetProjection(name), hidden, options.BottleneckSize,
                    options.NonLinearity, model.DType, model.Device));
        }
        finally
        {
            torch.random.set_rng_state(saved);
            saved.Dispose();
        }
        foreach (var (name, parameter) in model.named_parameters())
            if (name.Contains(".adapter_down.") || name.Contains(".adapter_up."))
                parameter.requires_grad = true;
        return found.Select(f => f.Path).ToList();
    }

    public static JsonObject Settings(AdapterOptions options) => new()
    {
        ["bottleneck_size"] = options.BottleneckSize,
        ["mh_adapter"] = options.MhAdapter,
        ["output_adapter"] = options.OutputAdapter,
        ["non_linearity"] = options.NonLinearity.ToString().ToLowerInvariant(),
    };

    public static void Save(LlamaForCausalLM model, AdapterOptions options, string dir) =>
        MechanismArtifact.Save(dir, Name, Settings(options), MechanismArtifact.TrainableParameters(model));

    public static void Load(LlamaForCausalLM model, string dir)
    {
        var config = MechanismArtifact.ReadConfig(dir);
        var nonLinearity = MechanismArtifact.Required<string>(config, dir, "non_linearity");
        if (!Enum.TryParse<AdapterNonLinearity>(nonLinearity, ignoreCase: true, out var parsed))
            throw SharpTuneInputException.At(Path.Combine(dir, AdapterFolder.ConfigFile), null, "non_linearity",
                $"'{nonLinearity}' is not one of: relu, gelu, silu, tanh");
        var options = new AdapterOptions
        {
            BottleneckSize = MechanismArtifact.Required<int>(config, dir, "bottleneck_size"),
            MhAdapter = MechanismArtifact.Required<bool>(config, dir, "mh_adapter"),
            OutputAdapter = MechanismArtifact.Required<bool>(config, dir, "output_adapter"),
            NonLinearity = parsed,
        };
        Attach(model, options, seed: 0);
        MechanismArtifact.LoadParameters(dir, MechanismArtifact.TrainableParameters(model));
    }
}
