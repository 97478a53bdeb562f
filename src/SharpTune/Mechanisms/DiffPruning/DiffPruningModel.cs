using System.Text.Json.Nodes;
using SharpTune.Models.Safetensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.DiffPruning;

/// <summary>
/// Wraps the target linears in <see cref="DiffLinear"/>, prunes δ by magnitude after each optimizer step on a cubic
/// schedule (Zhu and Gupta, 2017) up to the sparsity budget, and saves only δ's nonzero entries as flat indices and values.
/// </summary>
public static class DiffPruningModel
{
    public const string Name = "diff_pruning";

    public static IReadOnlyList<(string Path, DiffLinear Layer)> Attach(nn.Module model, DiffPruningOptions options)
    {
        if (options.Sparsity is < 0 or >= 1)
            throw new SharpTuneInputException($"diff_pruning.sparsity: {options.Sparsity} is out of range; set a number >= 0 and < 1");
        var targets = ProjectionTargets.Find(model, options.TargetModules, "diff_pruning.target_modules");
        MechanismArtifact.FreezeAll(model);
        var attached = new List<(string, DiffLinear)>();
        foreach (var (path, host, name) in targets)
        {
            if (host.GetProjection(name) is not Linear linear)
                throw new SharpTuneInputException($"diff_pruning.target_modules: {path} is already wrapped by another mechanism; diff pruning needs a plain linear layer");
            var layer = new DiffLinear(linear);
            host.ReplaceProjection(name, layer);
            layer.diff_weight.requires_grad = true;
            attached.Add((path, layer));
        }
        return attached;
    }

    /// <summary>Sparsity after <paramref name="step"/> of <paramref name="totalSteps"/>: <c>s · (1 − (1 − t/T)³)</c>, T the ramp length.</summary>
    public static double SparsityAt(DiffPruningOptions options, int step, int totalSteps)
    {
        double rampSteps = Math.Max(1, Math.Round(options.RampFraction * totalSteps));
        double progress = Math.Min(1, step / rampSteps);
        return options.Sparsity * (1 - Math.Pow(1 - progress, 3));
    }

    /// <summary>Returns the hook that prunes every δ to the schedule's budget after an optimizer step.</summary>
    public static Action<int, int> PruningHook(IReadOnlyList<(string Path, DiffLinear Layer)> layers, DiffPruningOptions options) =>
        (step, totalSteps) =>
        {
            double density = 1 - SparsityAt(options, step, totalSteps);
            foreach (var (_, layer) in layers)
                layer.Prune(Budget(layer.diff_weight.numel(), density));
        };

    /// <summary>Entries of a δ with <paramref name="count"/> entries that may be nonzero at <paramref name="density"/>.</summary>
    public static long Budget(long count, double density) => (long)Math.Floor(count * density + 1e-9);

    public static void Save(nn.Module model, DiffPruningOptions options, string dir)
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (path, layer) in Layers(model))
        {
            var flat = (layer.diff_weight * layer.mask).flatten();
            var indices = flat.ne(0).nonzero().flatten();                      // [nonzeros], int64
            tensors[$"{path}.diff_weight.indices"] = indices;
            tensors[$"{path}.diff_weight.values"] = flat.index_select(0, indices);
        }
        var settings = new JsonObject
        {
            ["sparsity"] = options.Sparsity,
            ["target_modules"] = new JsonArray(options.TargetModules.Select(t => (JsonNode)t!).ToArray()),
        };
        MechanismArtifact.Save(dir, Name, settings, tensors);
    }

    public static void Load(nn.Module model, string dir)
    {
        var config = MechanismArtifact.ReadConfig(dir);
        var options = new DiffPruningOptions
        {
            Sparsity = MechanismArtifact.Required<double>(config, dir, "sparsity"),
            TargetModules = MechanismArtifact.RequiredNames(config, dir, "target_modules"),
        };
        var layers = Attach(model, options);
        var weightsPath = Path.Combine(dir, MechanismArtifact.WeightsFile);
        using var reader = SafetensorsReader.Open(weightsPath);
        using var guard = no_grad();
        foreach (var (path, layer) in layers)
        {
            var indicesName = $"{path}.diff_weight.indices";
            var valuesName = $"{path}.diff_weight.values";
            if (!reader.Contains(indicesName) || !reader.Contains(valuesName))
                throw SharpTuneInputException.At(weightsPath, null, indicesName, "tensor missing; the artifact does not match its config or this model");
            using var indices = reader.GetTensor(indicesName);
            using var values = reader.GetTensor(valuesName);
            long count = layer.diff_weight.numel();
            if (indices.numel() > 0 && indices.max().item<long>() >= count)
                throw SharpTuneInputException.At(weightsPath, null, indicesName, $"an index is beyond the {count} entries of the weight; the artifact was trained on another model");
            layer.diff_weight.view(-1).index_copy_(0, indices, values.to(layer.diff_weight.dtype));
        }
        var known = layers.SelectMany(l => new[] { $"{l.Path}.diff_weight.indices", $"{l.Path}.diff_weight.values" }).ToHashSet();
        var unknown = reader.Names.FirstOrDefault(n => !known.Contains(n));
        if (unknown is not null)
            throw SharpTuneInputException.At(weightsPath, null, unknown, "tensor matches no diff-pruned layer of this model; the artifact was trained on another model");
    }

    /// <summary>Every diff-pruned layer with its module path.</summary>
    public static IEnumerable<(string Path, DiffLinear Layer)> Layers(nn.Module model) =>
        model.named_modules().Where(m => m.module is DiffLinear).Select(m => (m.name, (DiffLinear)m.module));
}
