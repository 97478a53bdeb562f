using SharpTune.Models.Families;
using SharpTune.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models.Llama;

/// <summary>
/// The causal language model for every decoder family, with that family's Hugging Face parameter names
/// (<c>model.layers.0.self_attn.q_proj.weight</c>, <c>transformer.h.0.attn.c_attn.weight</c>, ...), so checkpoints
/// load and save without renaming. Families differ only by switches in <see cref="ModelConfig"/>.
/// </summary>
public sealed class LlamaForCausalLM : nn.Module
{
    public LlamaModel model;
    /// <summary>The output projection, or null when tied to the input embeddings.</summary>
    public Linear? lm_head;

    public ModelConfig Config { get; }

    /// <summary>
    /// Optional rounding of the hidden states that enter the output head, as a deployment runtime computes them
    /// (see <see cref="Export.GgufPreview"/>); null leaves them exact.
    /// </summary>
    public Func<Tensor, Tensor>? HeadInputRounding { get; set; }

    public LlamaForCausalLM(ModelConfig config, ScalarType dtype = ScalarType.Float32) : base(nameof(LlamaForCausalLM))
    {
        TorchRuntime.EnsureLoaded();
        Config = config;
        model = new LlamaModel(config, dtype);
        register_module(config.Names.Root, model);
        if (!config.TieWordEmbeddings)
        {
            lm_head = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false, dtype: dtype);
            register_module("lm_head", lm_head);
        }
    }

    public ScalarType DType => model.embed_tokens.weight!.dtype;

    public Device Device => model.embed_tokens.weight!.device;

    /// <summary>
    /// Returns logits <c>[batch, seq, vocab]</c> in the model's dtype. <paramref name="promptPositions"/> reaches
    /// <see cref="LlamaModel.HiddenStateHook"/> and is ignored when no hook is set.
    /// </summary>
    public Tensor Forward(Tensor inputIds, Tensor? positionIds = null, Tensor? segmentIds = null, KvCache? cache = null,
        PromptPositions? promptPositions = null)
    {
        using var scope = NewDisposeScope();
        var hidden = model.Forward(inputIds, positionIds, segmentIds, cache, promptPositions);
        return ProjectToVocabulary(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>Applies the output head to hidden states <c>[..., hidden]</c>, with Gemma 2's logit soft-capping when set.</summary>
    public Tensor ProjectToVocabulary(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        if (HeadInputRounding is not null)
            hidden = HeadInputRounding(hidden);
        var logits = lm_head is not null ? lm_head.forward(hidden) : nn.functional.linear(hidden, model.embed_tokens.weight!);
        if (Config.FinalLogitSoftcapping is double cap)
            logits = (logits / cap).tanh() * cap;
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Fills every weight with the Hugging Face initialisation: normal(0, initializer_range), biases 0, norm weights 1
    /// (0 for Gemma's norms, which store <c>w - 1</c>).
    /// </summary>
    public void InitializeWeights(long seed)
    {
        using var guard = no_grad();
        var generator = new Generator((ulong)seed, Device);
        foreach (var (name, parameter) in named_parameters())
        {
            if (IsNormWeight(name))
                parameter.fill_(Config.NormKind == NormKind.RmsOffsetOne ? 0.0 : 1.0);
            else if (name.EndsWith(".bias"))
                parameter.zero_();
            else
                parameter.normal_(0.0, Config.InitializerRange, generator);
        }
    }

    /// <summary>
    /// The parameters as a checkpoint stores them: Hugging Face names, and for a tied model only
    /// <c>model.embed_tokens.weight</c>, as transformers' <c>save_pretrained</c> writes it.
    /// GPT-2's Conv1D weights are returned transposed to the (in, out) layout its checkpoints use.
    /// </summary>
    public IEnumerable<(string Name, Tensor Tensor)> CheckpointTensors() =>
        named_parameters().Select(p => (p.name, Gpt2Conv1D.IsConv1DWeight(Config, p.name) ? p.parameter.t().contiguous() : (Tensor)p.parameter));

    static bool IsNormWeight(string name) =>
        name.EndsWith("norm.weight") || (name.EndsWith(".weight") && (name.Contains(".ln_") || name.Contains("ln_f.")));
}
