using static TorchSharp.torch;

namespace SharpTune.Models.Families;

/// <summary>
/// GPT-2 stores its projections as transformers' <c>Conv1D</c>, whose weight is (in_features, out_features), the
/// transpose of <c>nn.Linear</c>. SharpTune keeps them as linear layers, so LoRA and merging treat every family
/// alike, and transposes these weights when reading and writing checkpoints.
/// </summary>
public static class Gpt2Conv1D
{
    static readonly string[] Suffixes = [".attn.c_attn.weight", ".attn.c_proj.weight", ".mlp.c_fc.weight", ".mlp.c_proj.weight"];

    /// <summary>Whether checkpoint tensor <paramref name="name"/> is a Conv1D weight of a GPT-2 model.</summary>
    public static bool IsConv1DWeight(ModelConfig config, string name) =>
        config.Family == DecoderFamily.Gpt2 && Suffixes.Any(name.EndsWith);

    /// <summary>A view of <paramref name="source"/> whose Conv1D weights come out in the linear (out, in) layout.</summary>
    public static ITensorSource AsLinear(ModelConfig config, ITensorSource source) =>
        config.Family == DecoderFamily.Gpt2 ? new Transposing(config, source) : source;

    sealed class Transposing(ModelConfig config, ITensorSource inner) : ITensorSource
    {
        public string Description => inner.Description;
        public IReadOnlyList<string> Names => inner.Names;
        public bool Contains(string name) => inner.Contains(name);

        public Tensor GetTensor(string name)
        {
            var tensor = inner.GetTensor(name);
            if (!IsConv1DWeight(config, name))
                return tensor;
            using (tensor)
                return tensor.t().contiguous();
        }
    }
}
