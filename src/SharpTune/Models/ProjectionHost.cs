using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// A module whose linear projections can be swapped for wrappers (LoRA and other adapters),
/// keeping the Hugging Face child names (<c>q_proj</c>, <c>gate_proj</c>, ...).
/// </summary>
public abstract class ProjectionHost : nn.Module
{
    protected ProjectionHost(string name) : base(name) { }

    /// <summary>The swappable projections by child name.</summary>
    public abstract IReadOnlyList<string> ProjectionNames { get; }

    public abstract nn.Module<Tensor, Tensor> GetProjection(string name);

    protected abstract void SetProjectionField(string name, nn.Module<Tensor, Tensor> module);

    /// <summary>Replaces a projection in both the forward path and the module registry.</summary>
    public void ReplaceProjection(string name, nn.Module<Tensor, Tensor> module)
    {
        if (!ProjectionNames.Contains(name))
            throw new ArgumentException($"{GetType().Name} has no projection '{name}'.", nameof(name));
        SetProjectionField(name, module);
        register_module(name, null!); // TorchSharp removes a child registered as null.
        register_module(name, module);
    }
}
