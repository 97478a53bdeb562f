using static TorchSharp.torch;

namespace SharpTune.Models.Llama;

/// <summary>
/// Keys and values of earlier positions per layer, each <c>[batch, kv_heads, past, head_dim]</c>,
/// so that generation computes attention for a new token without re-running the prefix.
/// </summary>
public sealed class KvCache : IDisposable
{
    readonly Tensor?[] keys;
    readonly Tensor?[] values;

    public KvCache(int layers)
    {
        keys = new Tensor?[layers];
        values = new Tensor?[layers];
    }

    /// <summary>Number of cached positions.</summary>
    public long Length => keys[0]?.shape[2] ?? 0;

    /// <summary>Appends this step's keys and values for <paramref name="layer"/> and returns the full sequences.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor newKeys, Tensor newValues)
    {
        var oldKeys = keys[layer];
        var oldValues = values[layer];
        var allKeys = oldKeys is null ? newKeys.detach().alias() : cat([oldKeys, newKeys.detach()], 2);
        var allValues = oldValues is null ? newValues.detach().alias() : cat([oldValues, newValues.detach()], 2);
        allKeys.DetachFromDisposeScope();
        allValues.DetachFromDisposeScope();
        oldKeys?.Dispose();
        oldValues?.Dispose();
        keys[layer] = allKeys;
        values[layer] = allValues;
        return (allKeys, allValues);
    }

    public void Dispose()
    {
        foreach (var t in keys) t?.Dispose();
        foreach (var t in values) t?.Dispose();
    }
}
