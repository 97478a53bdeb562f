using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models.Llama;

/// <summary>The decoder stack without the output head: embeddings, layers, final norm.</summary>
public sealed class LlamaModel : nn.Module
{
    readonly ModelConfig config;

    public Embedding embed_tokens;
    public ModuleList<LlamaDecoderLayer> layers;
    public RmsNorm norm;

    /// <summary>Optional rewrite of each layer's output, such as a ReFT intervention; null runs the plain stack.</summary>
    public IHiddenStateHook? HiddenStateHook { get; set; }

    /// <summary>Recompute each layer during backward instead of keeping its activations; applies in training mode without a KV cache.</summary>
    public bool GradientCheckpointing { get; set; }

    public LlamaModel(ModelConfig config, ScalarType dtype) : base(nameof(LlamaModel))
    {
        this.config = config;
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize, dtype: dtype);
        layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => new LlamaDecoderLayer(config, i, dtype)).ToArray());
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps, dtype);
        RegisterComponents();
    }

    /// <summary>
    /// Runs the stack on <paramref name="inputIds"/> <c>[batch, seq]</c> and returns the normed hidden states
    /// <c>[batch, seq, hidden]</c>. Positions default to <c>past .. past+seq-1</c>. <paramref name="promptPositions"/>
    /// is passed on to <see cref="HiddenStateHook"/>.
    /// </summary>
    public Tensor Forward(Tensor inputIds, Tensor? positionIds, Tensor? segmentIds, KvCache? cache,
        PromptPositions? promptPositions = null)
    {
        using var scope = NewDisposeScope();
        long seq = inputIds.shape[1];
        long past = cache?.Length ?? 0;
        var device = inputIds.device;
        positionIds ??= arange(past, past + seq, device: device).unsqueeze(0).expand(inputIds.shape[0], seq);

        var hidden = embed_tokens.forward(inputIds);                                          // [b, s, hidden]
        var (cos, sin) = RotaryEmbedding.Tables(positionIds, config.HeadDim, config.RopeTheta, hidden.dtype);
        var mask = AttentionMask.Build(seq, past, segmentIds, config.SlidingWindow, device);

        for (int i = 0; i < layers.Count; i++)
        {
            hidden = GradientCheckpointing && training && cache is null && is_grad_enabled()
                ? LayerCheckpoint.Apply(layers[i], hidden, cos, sin, mask)
                : layers[i].Forward(hidden, cos, sin, mask, cache);
            if (HiddenStateHook is not null)
                hidden = HiddenStateHook.AfterLayer(i, hidden, promptPositions);
        }

        return norm.forward(hidden).MoveToOuterDisposeScope();
    }
}
