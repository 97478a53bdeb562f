using System.Text.Json;

namespace SharpTune.Tests.Tokenization;

/// <summary>
/// Writes a word-level Hugging Face tokenizer with a hand-known vocabulary, so tests can state expected ids by hand:
/// <c>&lt;unk&gt;</c>=0, <c>&lt;s&gt;</c>=1, <c>&lt;/s&gt;</c>=2, a=3, b=4, c=5, d=6, e=7; words split on whitespace.
/// </summary>
public static class TinyWordTokenizer
{
    public const long Bos = 1, Eos = 2, A = 3, B = 4, C = 5, D = 6, E = 7;

    /// <summary>Creates the model directory; <paramref name="padToken"/> null leaves the model without a pad token.</summary>
    public static string Create(string? padToken = "</s>", bool addBos = true)
    {
        var dir = TestPaths.NewTempDir("sharptune-tinytok");
        var special = new[] { "<unk>", "<s>", "</s>" }
            .Select((content, id) => new { id, content, single_word = false, lstrip = false, rstrip = false, normalized = false, special = true });
        var tokenizer = new Dictionary<string, object?>
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = special,
            ["normalizer"] = null,
            ["pre_tokenizer"] = new { type = "Whitespace" },
            ["post_processor"] = new
            {
                type = "TemplateProcessing",
                single = new object[] { new { SpecialToken = new { id = "<s>", type_id = 0 } }, new { Sequence = new { id = "A", type_id = 0 } } },
                pair = new object[] { new { Sequence = new { id = "A", type_id = 0 } }, new { Sequence = new { id = "B", type_id = 1 } } },
                special_tokens = new Dictionary<string, object> { ["<s>"] = new { id = "<s>", ids = new[] { 1 }, tokens = new[] { "<s>" } } },
            },
            ["decoder"] = null,
            ["model"] = new
            {
                type = "WordLevel",
                vocab = new Dictionary<string, int> { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2, ["a"] = 3, ["b"] = 4, ["c"] = 5, ["d"] = 6, ["e"] = 7 },
                unk_token = "<unk>",
            },
        };
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), JsonSerializer.Serialize(tokenizer));

        var config = new Dictionary<string, object?>
        {
            ["bos_token"] = "<s>",
            ["eos_token"] = new { content = "</s>" },
            ["pad_token"] = padToken,
            ["add_bos_token"] = addBos,
            ["model_max_length"] = 1000000000000000019884624838656.0,
        };
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), JsonSerializer.Serialize(config));
        File.WriteAllText(Path.Combine(dir, "config.json"), """{"bos_token_id": 1, "eos_token_id": 2}""");
        return dir;
    }
}
