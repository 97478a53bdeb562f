using System.Text.Json;

namespace SharpTune.Tests.Data;

/// <summary>
/// Writes a word-level tokenizer with ChatML and Llama 3 special tokens and a chat template, so tests can state
/// expected ids by hand. Special tokens and the newline are added tokens, so they split out before the
/// whitespace pre-tokenizer drops spaces.
/// </summary>
public static class TinyChatTokenizer
{
    public const long ImStart = 1, ImEnd = 2, BeginOfText = 3, StartHeader = 4, EndHeader = 5, EotId = 6, Newline = 7;
    public const long SystemWord = 8, User = 9, Assistant = 10, Hi = 11, Hello = 12, Bye = 13, Ok = 14, Be = 15, Brief = 16;

    /// <summary>ChatML as Qwen writes it, without a default system prompt.</summary>
    public const string ChatMl =
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}" +
        "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    /// <summary>The Llama 3 instruct format: BOS once, a header per turn, content trimmed, each turn ending in <c>&lt;|eot_id|&gt;</c>.</summary>
    public const string Llama3 =
        "{{ bos_token }}{% for message in messages %}" +
        "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}" +
        "{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

    /// <summary>Creates a model directory whose EOS (and pad) token is <paramref name="eosToken"/>.</summary>
    public static string Create(string chatTemplate, string eosToken, string? bosToken = null)
    {
        var dir = TestPaths.NewTempDir("sharptune-tinychat");
        string[] added = ["<unk>", "<|im_start|>", "<|im_end|>", "<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "\n"];
        string[] words = ["system", "user", "assistant", "hi", "hello", "bye", "ok", "be", "brief"];
        var vocab = added.Concat(words).Select((token, id) => (token, id)).ToDictionary(pair => pair.token, pair => pair.id);
        var tokenizer = new Dictionary<string, object?>
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added.Select((content, id) => new
            {
                id, content, single_word = false, lstrip = false, rstrip = false, normalized = false, special = content != "\n",
            }),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new { type = "Whitespace" },
            ["post_processor"] = null,
            ["decoder"] = null,
            ["model"] = new { type = "WordLevel", vocab, unk_token = "<unk>" },
        };
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), JsonSerializer.Serialize(tokenizer));

        var config = new Dictionary<string, object?>
        {
            ["bos_token"] = bosToken,
            ["eos_token"] = eosToken,
            ["pad_token"] = eosToken,
            ["add_bos_token"] = bosToken is not null,
            ["chat_template"] = chatTemplate,
        };
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), JsonSerializer.Serialize(config));
        return dir;
    }
}
