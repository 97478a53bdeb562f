using SharpTune.Models;
using SharpTune.Models.Llama;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Prefix;

/// <summary>
/// The trained prefix of every layer, as PEFT's <c>PrefixEncoder</c> holds it: <c>embedding</c>
/// <c>[num_virtual_tokens, layers · 2 · kv_heads · head_dim]</c> directly, or, with the reparameterisation,
/// <c>embedding</c> <c>[num_virtual_tokens, hidden]</c> passed through <c>transform</c> (linear, tanh, linear).
/// </summary>
public sealed class PrefixEncoder : nn.Module, IKeyValuePrefix
{
    readonly int layers;
    readonly int kvHeads;
    readonly int headDim;

    public Parameter embedding;
    public Sequential? transform;

    public PrefixEncoder(ModelConfig config, PrefixOptions options, ScalarType dtype, Device device) : base(nameof(PrefixEncoder))
    {
        if (options.NumVirtualTokens <= 0)
            throw new SharpTuneInputException($"prefix.num_virtual_tokens: must be a positive integer, got {options.NumVirtualTokens}");
        layers = config.NumHiddenLayers;
        kvHeads = config.NumKeyValueHeads;
        headDim = config.HeadDim;
        long tableWidth = (long)layers * 2 * kvHeads * headDim;
        // N(0, 1), as the nn.Embedding inside PEFT's PrefixEncoder starts.
        if (options.PrefixProjection)
        {
            int width = options.EncoderHiddenSize ?? config.HiddenSize;
            embedding = new Parameter(randn(options.NumVirtualTokens, config.HiddenSize, dtype: dtype, device: device));
            transform = nn.Sequential(
                ("0", nn.Linear(config.HiddenSize, width, dtype: dtype, device: device)),
                ("1", nn.Tanh()),
                ("2", nn.Linear(width, tableWidth, dtype: dtype, device: device)));
        }
        else
        {
            embedding = new Parameter(randn(options.NumVirtualTokens, tableWidth, dtype: dtype, device: device));
        }
        RegisterComponents();
    }

    /// <summary>Returns the keys and values of all layers, <c>[num_virtual_tokens, layers · 2 · kv_heads · head_dim]</c>.</summary>
    public Tensor Table() => transform is null ? embedding.alias() : transform.forward(embedding);

    public (Tensor Keys, Tensor Values) KeyValues(int layer, long batch)
    {
        using var scope = NewDisposeScope();
        var table = Table();
        long tokens = table.shape[0];
        var perLayer = table.view(tokens, layers, 2, kvHeads, headDim)[.., layer];             // [p, 2, kv_heads, d]
        var keyValues = perLayer.permute(1, 2, 0, 3).unsqueeze(1).expand(2, batch, kvHeads, tokens, headDim); // [2, b, kv_heads, p, d]
        return (keyValues[0].MoveToOuterDisposeScope(), keyValues[1].MoveToOuterDisposeScope());
    }
}
