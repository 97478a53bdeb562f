using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models.Llama;

/// <summary>
/// The decoder stack without the output head: embeddings (plus GPT-2's learned positions), layers, final norm.
/// Children carry the family's Hugging Face names (<c>embed_tokens</c>/<c>layers</c>/<c>norm</c>, or
/// <c>wte</c>/<c>wpe</c>/<c>h</c>/<c>ln_f</c> for GPT-2).
/// </summary>
public sealed class LlamaModel : nn.Module
{
    readonly ModelConfig config;

    public Embedding embed_tokens;
    /// <summary>GPT-2's learned position table <c>[n_positions, hidden]</c>, or null for rotary families.</summary>
    public Embedding? wpe;
    public ModuleList<LlamaDecoderLayer> layers;
    public nn.Module<Tensor, Tensor> norm;

    /// <summary>Optional rewrite of each layer's output, such as a ReFT intervention; null runs the plain stack.</summary>
    public IHiddenStateHook? HiddenStateHook { get; set; }

    /// <summary>Recompute each layer during backward instead of keeping its activations; applies in training mode without a KV cache.</summary>
    public bool GradientCheckpointing { get; set; }

    public LlamaModel(ModelConfig config, ScalarType dtype) : base(nameof(LlamaModel))
    {
        this.config = config;
        var names = config.Names;
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize, dtype: dtype);
        register_module(names.Embedding, embed_tokens);
        if (config.LearnedPositions)
        {
            wpe = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize, dtype: dtype);
            register_module(names.PositionEmbedding!, wpe);
        }
        layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => new LlamaDecoderLayer(config, i, dtype)).ToArray());
        register_module(names.Layers, layers);
        norm = Norms.Create(config, config.HiddenSize, dtype);
        register_module(names.FinalNorm, norm);
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
        if (config.ScaleEmbeddings)
            hidden = hidden * tensor(Math.Sqrt(config.HiddenSize), dtype: hidden.dtype, device: device); // rounded to the dtype, as Gemma does
        if (wpe is not null)
        {
            if (positionIds.max().item<long>() >= config.MaxPositionEmbeddings)
                throw new ArgumentException(
                    $"Position {positionIds.max().item<long>()} is beyond the learned position table of {config.MaxPositionEmbeddings} " +
                    "(n_positions); shorten the sequence or lower max_length.");
            hidden = hidden + wpe.forward(positionIds);
        }

        // One rotary table and one mask per kind of layer (global, or sliding with local RoPE).
        var tables = new Dictionary<bool, (Tensor? Cos, Tensor? Sin)>();
        var masks = new Dictionary<int, AttentionMask>();
        for (int i = 0; i < layers.Count; i++)
        {
            bool local = config.UsesLocalRope(i);
            if (!tables.TryGetValue(local, out var table))
                tables[local] = table = config.LearnedPositions ? (null, null) : RotaryEmbedding.Tables(positionIds, config, hidden.dtype, local);
            int window = config.LayerSlidingWindow(i) ?? 0;
            if (!masks.TryGetValue(window, out var mask))
                masks[window] = mask = AttentionMask.Build(seq, past, segmentIds, window == 0 ? null : window, device);

            var input = hidden;
            var output = GradientCheckpointing && training && cache is null && is_grad_enabled()
                ? LayerCheckpoint.Apply(layers[i], hidden, table.Cos, table.Sin, mask)
                : layers[i].Forward(hidden, table.Cos, table.Sin, mask, cache);
            hidden = HiddenStateHook is null ? output : HiddenStateHook.AfterLayer(i, output, promptPositions);
            // Free each layer's input and unedited output now rather than when the scope ends. Without autograd (head
            // tuning, evaluation, generation) they would otherwise keep one hidden state per layer alive. Tensors that
            // backward needs stay alive through autograd's own references.
            if (!ReferenceEquals(output, hidden))
                output.Dispose();
            input.Dispose();
        }

        return norm.forward(hidden).MoveToOuterDisposeScope();
    }
}
