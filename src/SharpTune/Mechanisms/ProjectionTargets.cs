using SharpTune.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms;

/// <summary>Finds the projections (<c>q_proj</c>, <c>down_proj</c>, ...) that a mechanism's <c>target_modules</c> name.</summary>
public static class ProjectionTargets
{
    /// <summary>Every projection name that Llama-family blocks offer, the default target list of the selective mechanisms.</summary>
    public static readonly IReadOnlyList<string> AllLinear = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>
    /// Returns each targeted projection with its module path, e.g. <c>model.layers.0.self_attn.q_proj</c>.
    /// A target that matches nothing is an error listing the valid names, since a silent no-op would train nothing.
    /// </summary>
    public static List<(string Path, ProjectionHost Host, string Name)> Find(nn.Module model, IReadOnlyList<string> targets, string key)
    {
        if (targets.Count == 0)
            throw new SharpTuneInputException($"{key}: the list is empty; name at least one of: {string.Join(", ", AllLinear)}");
        var hosts = model.named_modules().Where(m => m.module is ProjectionHost).Select(m => (m.name, Host: (ProjectionHost)m.module)).ToList();
        var available = hosts.SelectMany(h => h.Host.ProjectionNames).Distinct().ToList();
        foreach (var target in targets)
            if (!available.Contains(target))
                throw new SharpTuneInputException($"{key}: '{target}' matches no layer of this model; valid names: {string.Join(", ", available)}");

        return hosts.SelectMany(h => h.Host.ProjectionNames.Where(targets.Contains)
            .Select(name => (Join(h.name, name), h.Host, name))).ToList();
    }

    public static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
