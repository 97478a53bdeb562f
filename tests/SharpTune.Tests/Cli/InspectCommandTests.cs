using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SharpTune.Tests.Cli;

/// <summary><c>sharptune inspect</c> run as a child process on the shared checkpoints and on folders built here.</summary>
public sealed class InspectCommandTests
{
    static string FamilyDir(string family) => Path.Combine(TestPaths.Shared, "model-families", family);

    [Theory]
    [InlineData("llama", "Llama (LlamaForCausalLM)")]
    [InlineData("qwen2", "Qwen2 (Qwen2ForCausalLM)")]
    [InlineData("mistral", "Mistral (MistralForCausalLM)")]
    [InlineData("phi3", "Phi3 (Phi3ForCausalLM)")]
    [InlineData("gpt2", "Gpt2 (GPT2LMHeadModel)")]
    [InlineData("bert", "Bert (BertModel)")]
    public void Inspect_SharedCheckpointFamily(string family, string expected)
    {
        var result = CliProcess.Run(TestPaths.NewTempDir(), "inspect", "--model", FamilyDir(family));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"family:         {expected}", result.Stdout);
        Assert.Contains("kind:           base (no chat template)", result.Stdout);
    }

    [Fact]
    public void Inspect_Gpt2ParameterCount()
    {
        // n_embd 64, n_inner 4·64, vocab 300, 64 positions and 2 layers. Each Conv1D and LayerNorm has a weight and a bias.
        long layer = 2 * 64 * 2 + (64 * 192 + 192) + (64 * 64 + 64) + (64 * 256 + 256) + (256 * 64 + 64);
        long total = 300 * 64 + 64 * 64 + 2 * layer + 2 * 64;

        var result = CliProcess.Run(TestPaths.NewTempDir(), "inspect", "--model", FamilyDir("gpt2"));

        Assert.Contains($"parameters:     {total.ToString("N0", CultureInfo.InvariantCulture)}", result.Stdout);
    }

    [Fact]
    public void Inspect_BertParameterCount()
    {
        // hidden 64, intermediate 128, vocab 400, 64 positions, 2 token types, 2 layers and a pooler.
        long layer = 4 * (64 * 64 + 64) + 2 * 64 + (64 * 128 + 128) + (128 * 64 + 64) + 2 * 64;
        long total = 400 * 64 + 64 * 64 + 2 * 64 + 2 * 64 + 2 * layer + (64 * 64 + 64);

        var result = CliProcess.Run(TestPaths.NewTempDir(), "inspect", "--model", FamilyDir("bert"));

        Assert.Contains($"parameters:     {total.ToString("N0", CultureInfo.InvariantCulture)}", result.Stdout);
    }

    [Fact]
    public void Inspect_Stories260kContextAndDtype()
    {
        var result = CliProcess.Run(TestPaths.NewTempDir(), "inspect", "--model", TestPaths.Stories260k);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("family:         Llama (LlamaForCausalLM)", result.Stdout);
        Assert.Contains("context window: 512 tokens", result.Stdout);
        Assert.Contains("dtype:          float32 (stored as F32)", result.Stdout);
    }

    [Fact]
    public void InspectData_BracketsAlpacaResponse()
    {
        var dataPath = TestPaths.SharedData("gsm8k_sft.dev.jsonl");
        var answer = JsonNode.Parse(File.ReadLines(dataPath).First())!["answer"]!.GetValue<string>();

        var result = CliProcess.Run(TestPaths.NewTempDir(), "inspect", "--model", TestPaths.Stories260k, "--data", dataPath);
        var stdout = result.Stdout.Replace("\r", "");
        int open = stdout.IndexOf("[[", StringComparison.Ordinal);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(answer + "</s>]]", stdout);
        Assert.Contains("### Response:", stdout[..open]);
        Assert.Single(Regex.Matches(stdout, @"\[\["));
    }

    [Fact]
    public void InspectData_TemplateTrainsAssistantTurn()
    {
        var modelDir = TestPaths.NewTempDir();
        foreach (var file in new[] { "config.json", "model.safetensors", "tokenizer.json" })
            File.CreateSymbolicLink(Path.Combine(modelDir, file), Path.Combine(TestPaths.Stories260k, file));
        var tokenizerConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(TestPaths.Stories260k, "tokenizer_config.json")))!.AsObject();
        tokenizerConfig["chat_template"] =
            "{{ bos_token }}{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}{{ eos_token }}{% endfor %}";
        File.WriteAllText(Path.Combine(modelDir, "tokenizer_config.json"), tokenizerConfig.ToJsonString());
        File.WriteAllText(Path.Combine(modelDir, "README.md"), "---\nlicense: apache-2.0\n---\n# A test model\n");
        var dataPath = Path.Combine(modelDir, "chat.jsonl");
        File.WriteAllText(dataPath,
            """{"messages": [{"role": "user", "content": "Tell a story"}, {"role": "assistant", "content": "Once upon a time"}]}""" + "\n");

        var result = CliProcess.Run(TestPaths.NewTempDir(), "inspect", "--model", modelDir, "--data", dataPath);
        var trained = Regex.Matches(result.Stdout, @"\[\[(.*?)\]\]", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("kind:           instruct (chat template present)", result.Stdout);
        Assert.Contains("license:        apache-2.0", result.Stdout);
        Assert.Contains("Once upon a time</s>", string.Concat(trained));
        Assert.DoesNotContain("Tell a story", string.Concat(trained));
    }
}
