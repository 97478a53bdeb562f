using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>Named tensors from a checkpoint (one safetensors file or a sharded set).</summary>
public interface ITensorSource
{
    /// <summary>Where the tensors come from, for error messages.</summary>
    string Description { get; }

    IReadOnlyList<string> Names { get; }

    bool Contains(string name);

    /// <summary>Reads one tensor into a new CPU tensor owned by the caller.</summary>
    Tensor GetTensor(string name);
}
