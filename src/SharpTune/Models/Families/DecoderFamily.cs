namespace SharpTune.Models.Families;

/// <summary>The decoder architectures the one configurable decoder covers.</summary>
public enum DecoderFamily
{
    Llama,
    Qwen2,
    Qwen3,
    Mistral,
    Gemma2,
    Gemma3,
    Phi3,
    Gpt2,
}

/// <summary>How each family's <c>config.json</c> names it, and which tensor names its modules carry.</summary>
public static class DecoderFamilies
{
    /// <summary>Family by <c>architectures[0]</c>, as transformers writes it.</summary>
    public static readonly IReadOnlyDictionary<string, DecoderFamily> ByArchitecture = new Dictionary<string, DecoderFamily>
    {
        ["LlamaForCausalLM"] = DecoderFamily.Llama,
        ["Qwen2ForCausalLM"] = DecoderFamily.Qwen2,
        ["Qwen3ForCausalLM"] = DecoderFamily.Qwen3,
        ["MistralForCausalLM"] = DecoderFamily.Mistral,
        ["Gemma2ForCausalLM"] = DecoderFamily.Gemma2,
        ["Gemma3ForCausalLM"] = DecoderFamily.Gemma3,
        ["Phi3ForCausalLM"] = DecoderFamily.Phi3,
        ["GPT2LMHeadModel"] = DecoderFamily.Gpt2,
    };

    /// <summary>Family by <c>model_type</c>, used when <c>architectures</c> is missing or names a head this loader ignores.</summary>
    public static readonly IReadOnlyDictionary<string, DecoderFamily> ByModelType = new Dictionary<string, DecoderFamily>
    {
        ["llama"] = DecoderFamily.Llama,
        ["qwen2"] = DecoderFamily.Qwen2,
        ["qwen3"] = DecoderFamily.Qwen3,
        ["mistral"] = DecoderFamily.Mistral,
        ["gemma2"] = DecoderFamily.Gemma2,
        ["gemma3_text"] = DecoderFamily.Gemma3,
        ["phi3"] = DecoderFamily.Phi3,
        ["gpt2"] = DecoderFamily.Gpt2,
    };

    /// <summary>The Hugging Face module names of one family's decoder, so parameters keep their checkpoint names.</summary>
    public static DecoderNames Names(DecoderFamily family) => family switch
    {
        DecoderFamily.Gpt2 => DecoderNames.Gpt2,
        DecoderFamily.Phi3 => DecoderNames.Llama with { Query = null, Key = null, Value = null, FusedQkv = "qkv_proj", Gate = null, Up = null, FusedGateUp = "gate_up_proj" },
        _ => DecoderNames.Llama,
    };
}

/// <summary>
/// Child-module names of the decoder for one family. A null projection name means the family does not have
/// that projection (a fused one takes its place).
/// </summary>
public sealed record DecoderNames
{
    public required string Root { get; init; }
    public required string Embedding { get; init; }
    public string? PositionEmbedding { get; init; }
    public required string Layers { get; init; }
    public required string FinalNorm { get; init; }
    public required string Attention { get; init; }
    public required string Mlp { get; init; }
    public required string InputNorm { get; init; }
    public required string PostAttentionNorm { get; init; }
    public string? Query { get; init; }
    public string? Key { get; init; }
    public string? Value { get; init; }
    public string? FusedQkv { get; init; }
    public required string Output { get; init; }
    public string? Gate { get; init; }
    public string? Up { get; init; }
    public string? FusedGateUp { get; init; }
    public required string Down { get; init; }

    /// <summary>Llama's names, shared by Qwen2, Qwen3, Mistral and Gemma.</summary>
    public static readonly DecoderNames Llama = new()
    {
        Root = "model", Embedding = "embed_tokens", Layers = "layers", FinalNorm = "norm",
        Attention = "self_attn", Mlp = "mlp", InputNorm = "input_layernorm", PostAttentionNorm = "post_attention_layernorm",
        Query = "q_proj", Key = "k_proj", Value = "v_proj", Output = "o_proj",
        Gate = "gate_proj", Up = "up_proj", Down = "down_proj",
    };

    /// <summary>GPT-2's names: <c>transformer.h.0.attn.c_attn</c>, <c>mlp.c_fc</c>, ...</summary>
    public static readonly DecoderNames Gpt2 = new()
    {
        Root = "transformer", Embedding = "wte", PositionEmbedding = "wpe", Layers = "h", FinalNorm = "ln_f",
        Attention = "attn", Mlp = "mlp", InputNorm = "ln_1", PostAttentionNorm = "ln_2",
        FusedQkv = "c_attn", Output = "c_proj", Up = "c_fc", Down = "c_proj",
    };
}
