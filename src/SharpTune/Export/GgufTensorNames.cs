using System.Text.RegularExpressions;

namespace SharpTune.Export;

/// <summary>
/// Maps Hugging Face Llama parameter names to llama.cpp's GGUF tensor names
/// (<c>model.layers.3.self_attn.q_proj.weight</c> → <c>blk.3.attn_q.weight</c>), as llama.cpp's
/// convert_hf_to_gguf.py names them.
/// </summary>
public static partial class GgufTensorNames
{
    static readonly Dictionary<string, string> LayerParts = new(StringComparer.Ordinal)
    {
        ["self_attn.q_proj"] = "attn_q",
        ["self_attn.k_proj"] = "attn_k",
        ["self_attn.v_proj"] = "attn_v",
        ["self_attn.o_proj"] = "attn_output",
        ["mlp.gate_proj"] = "ffn_gate",
        ["mlp.up_proj"] = "ffn_up",
        ["mlp.down_proj"] = "ffn_down",
        ["input_layernorm"] = "attn_norm",
        ["post_attention_layernorm"] = "ffn_norm",
    };

    /// <summary>Returns the GGUF name of <paramref name="hfName"/>, or null when llama.cpp has no such tensor.</summary>
    public static string? Map(string hfName)
    {
        switch (hfName)
        {
            case "model.embed_tokens.weight": return "token_embd.weight";
            case "model.norm.weight": return "output_norm.weight";
            case "lm_head.weight": return "output.weight";
        }
        var match = LayerParameter().Match(hfName);
        if (!match.Success || !LayerParts.TryGetValue(match.Groups["part"].Value, out var part))
            return null;
        return $"blk.{match.Groups["layer"].Value}.{part}.{match.Groups["kind"].Value}";
    }

    [GeneratedRegex(@"^model\.layers\.(?<layer>\d+)\.(?<part>.+)\.(?<kind>weight|bias)$")]
    private static partial Regex LayerParameter();
}
