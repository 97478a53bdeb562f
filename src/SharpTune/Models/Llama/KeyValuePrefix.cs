using static TorchSharp.torch;

namespace SharpTune.Models.Llama;

/// <summary>
/// Extra key/value positions that every query of a layer attends before the cached and new tokens, as prefix
/// tuning adds them. The keys are used as given: they carry no rotary position.
/// </summary>
public interface IKeyValuePrefix
{
    /// <summary>Returns the keys and values of <paramref name="layer"/>, each <c>[batch, kv_heads, prefix, head_dim]</c>.</summary>
    (Tensor Keys, Tensor Values) KeyValues(int layer, long batch);
}

/// <summary>Joins a prefix to a layer's keys, values and attention mask.</summary>
public static class KeyValuePrefix
{
    /// <summary>
    /// Prepends the prefix to <paramref name="keys"/> and <paramref name="values"/> <c>[batch, kv_heads, past+seq, head_dim]</c>
    /// and returns an explicit mask <c>[batch or 1, 1, seq, prefix+past+seq]</c> in which every query sees every prefix position.
    /// </summary>
    public static (Tensor Keys, Tensor Values, AttentionMask Mask) Extend(IKeyValuePrefix prefix, int layer,
        Tensor keys, Tensor values, AttentionMask mask, long queryLength)
    {
        long batch = keys.shape[0], keyLength = keys.shape[2];
        var (prefixKeys, prefixValues) = prefix.KeyValues(layer, batch);
        long prefixLength = prefixKeys.shape[2];
        var device = keys.device;

        Tensor allowed;                                                                       // [b or 1, 1, q, k]
        if (mask.Mask is not null)
            allowed = mask.Mask;
        else if (mask.IsCausal)
            // Scaled-dot-product attention aligns its causal mask to the top left, so the bottom-right causal mask
            // for queries after cached keys is built here: query i sees key j when j <= i + (k - q).
            allowed = ones(queryLength, keyLength, dtype: ScalarType.Bool, device: device).tril(keyLength - queryLength).unsqueeze(0).unsqueeze(0);
        else
            allowed = ones(1, 1, queryLength, keyLength, dtype: ScalarType.Bool, device: device);

        var prefixColumns = ones(allowed.shape[0], 1, queryLength, prefixLength, dtype: ScalarType.Bool, device: device);
        var extended = cat([prefixColumns, allowed], 3);                                       // [b or 1, 1, q, p+k]
        return (cat([prefixKeys.to(keys.dtype), keys], 2), cat([prefixValues.to(values.dtype), values], 2),
            new AttentionMask(extended, IsCausal: false));
    }
}
