using SharpTune.Models;
using SharpTune.Precision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Lora;

/// <summary>Attaches, lists, merges and removes LoRA layers on a model's projections.</summary>
public static class LoraModel
{
    /// <summary>
    /// Wraps every projection whose child name is in <c>TargetModules</c>, freezes all other parameters,
    /// and returns the wrapped module paths. A target that matches nothing is an error listing the valid names,
    /// since a silent no-op would train nothing.
    /// </summary>
    public static IReadOnlyList<string> Attach(nn.Module model, LoraOptions options, long seed)
    {
        if (options.R <= 0)
            throw new SharpTuneInputException($"lora.r: must be a positive integer, got {options.R}");

        var hosts = Hosts(model).ToList();
        var available = hosts.SelectMany(h => h.Host.ProjectionNames).Distinct().ToList();
        foreach (var target in options.TargetModules)
            if (!available.Contains(target))
                throw new SharpTuneInputException(
                    $"lora.target_modules: '{target}' matches no layer of this model; valid names: {string.Join(", ", available)}");

        foreach (var parameter in model.parameters())
            parameter.requires_grad = false;

        // Seed A's initialisation so that a run is reproducible from its seed alone.
        using var _ = new RngScope(seed);
        var attached = new List<string>();
        foreach (var (path, host) in hosts)
        {
            foreach (var name in host.ProjectionNames.Where(options.TargetModules.Contains))
            {
                LoraLinear? wrapped = host.GetProjection(name) switch
                {
                    Linear linear => new LoraLinear(linear, options),
                    QuantizedLinear quantized => new LoraLinear(quantized, options),
                    _ => null, // Already wrapped.
                };
                if (wrapped is null)
                    continue;
                host.ReplaceProjection(name, wrapped);
                attached.Add(Join(path, name));
            }
        }
        foreach (var (_, layer) in Layers(model))
        {
            layer.lora_A.weight!.requires_grad = true;
            layer.lora_B.weight!.requires_grad = true;
            if (layer.lora_magnitude_vector is not null)
                layer.lora_magnitude_vector.requires_grad = true;
        }
        return attached;
    }

    /// <summary>Every LoRA layer with its module path, e.g. <c>model.layers.0.self_attn.q_proj</c>.</summary>
    public static IEnumerable<(string Path, LoraLinear Layer)> Layers(nn.Module model) =>
        Hosts(model).SelectMany(h => h.Host.ProjectionNames
            .Select(name => (Path: Join(h.Path, name), Module: h.Host.GetProjection(name)))
            .Where(p => p.Module is LoraLinear)
            .Select(p => (p.Path, (LoraLinear)p.Module)));

    /// <summary>
    /// Folds each adapter into its base weight (<c>W += (alpha/r) B A</c>) and removes the wrappers. A 4-bit base is
    /// dequantized first, so the result is a plain linear layer in the dtype the base had before quantization.
    /// </summary>
    public static int Merge(nn.Module model)
    {
        int count = 0;
        using var guard = no_grad();
        foreach (var (_, host) in Hosts(model))
        {
            foreach (var name in host.ProjectionNames)
            {
                if (host.GetProjection(name) is not LoraLinear lora)
                    continue;
                var merged = lora.base_layer switch
                {
                    Linear linear => linear,
                    QuantizedLinear quantized => quantized.ToLinear(),
                    var other => throw new InvalidOperationException($"LoRA base {other.GetType().Name} cannot be merged"),
                };
                using (var delta = lora.DeltaWeight())
                    merged.weight!.add_(delta);
                host.ReplaceProjection(name, merged);
                count++;
            }
        }
        return count;
    }

    /// <summary>
    /// Disables every LoRA layer of <paramref name="model"/> until the returned scope is disposed, so the model
    /// computes the base outputs. Layers that were already disabled stay disabled after the scope.
    /// </summary>
    public static IDisposable DisableAdapters(nn.Module model) => new DisabledScope(model);

    static IEnumerable<(string Path, ProjectionHost Host)> Hosts(nn.Module model) =>
        model.named_modules().Where(m => m.module is ProjectionHost).Select(m => (m.name, (ProjectionHost)m.module));

    static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    sealed class DisabledScope : IDisposable
    {
        readonly List<LoraLinear> changed;

        public DisabledScope(nn.Module model)
        {
            changed = Layers(model).Select(l => l.Layer).Where(l => !l.Disabled).ToList();
            foreach (var layer in changed)
                layer.Disabled = true;
        }

        public void Dispose()
        {
            foreach (var layer in changed)
                layer.Disabled = false;
        }
    }

    /// <summary>Seeds the global generator for a block and restores its previous state after.</summary>
    sealed class RngScope : IDisposable
    {
        readonly Tensor saved = torch.random.get_rng_state();

        public RngScope(long seed) => torch.random.manual_seed(seed);

        public void Dispose()
        {
            torch.random.set_rng_state(saved);
            saved.Dispose();
        }
    }
}
