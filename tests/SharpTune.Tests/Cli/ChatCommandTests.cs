using System.Text.Json.Nodes;
using SharpTune.Tokenization;

namespace SharpTune.Tests.Cli;

/// <summary><c>sharptune chat</c> with redirected stdin, and <c>generate</c>'s --chat, --prompt-ids and --print-ids.</summary>
public class ChatCommandTests
{
    const string Template =
        "{{ bos_token }}{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";

    readonly string dir = TestPaths.NewTempDir("sharptune-cli-chat");

    // A copy of stories260k whose tokenizer_config.json carries a chat template, as an instruct model's does.
    string ModelWithTemplate()
    {
        var model = Directory.CreateDirectory(Path.Combine(dir, "model")).FullName;
        foreach (var file in Directory.GetFiles(TestPaths.Stories260k))
            File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        var configPath = Path.Combine(model, "tokenizer_config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["chat_template"] = Template;
        File.WriteAllText(configPath, config.ToJsonString());
        return model;
    }

    [Fact]
    public void ChatReplyMatchesGenerateChat()
    {
        var model = ModelWithTemplate();

        var chat = CliProcess.RunUntil(dir, ["chat", "--model", model, "--max-new-tokens", "8"], null, "Once upon a time\n/exit\nignored\n");
        var generate = CliProcess.Run(dir, "generate", "--model", model, "--chat", "--prompt", "Once upon a time", "--max-new-tokens", "8");

        Assert.Equal(0, chat.ExitCode);
        Assert.Equal(generate.Stdout.Trim() + "\n\n", chat.Stdout.Replace("\r", ""));
    }

    [Fact]
    public void ChatWithoutTemplateNotesFallback()
    {
        var result = CliProcess.RunUntil(dir, ["chat", "--model", TestPaths.Stories260k, "--max-new-tokens", "4"], null, "Hello\n");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("no chat template", result.Stderr);
    }

    [Fact]
    public void PromptIdsMatchTextPrompt()
    {
        List<long> promptIds;
        using (var tokenizer = HfTokenizer.Load(TestPaths.Stories260k))
            promptIds = [tokenizer.BosId!.Value, .. tokenizer.Encode("Once upon a time")];

        var fromText = CliProcess.Run(dir, "generate", "--model", TestPaths.Stories260k, "--prompt", "Once upon a time",
            "--max-new-tokens", "6", "--print-ids");
        var fromIds = CliProcess.Run(dir, "generate", "--model", TestPaths.Stories260k, "--prompt-ids", string.Join(",", promptIds),
            "--max-new-tokens", "6", "--print-ids");

        Assert.Equal(0, fromIds.ExitCode);
        Assert.Equal(fromText.Stdout, fromIds.Stdout);
    }

    [Fact]
    public void PrintIdsGivesMaxNewTokensIds()
    {
        var result = CliProcess.Run(dir, "generate", "--model", TestPaths.Stories260k, "--prompt-ids", "1", "--max-new-tokens", "5", "--print-ids");

        Assert.Equal(5, result.Stdout.Trim().Split(',').Length);
    }

    [Fact]
    public void BadPromptIdNamesOption()
    {
        var result = CliProcess.Run(dir, "generate", "--model", TestPaths.Stories260k, "--prompt-ids", "1,x");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--prompt-ids: 'x' is not a token id", Assert.Single(result.ErrorLines));
    }
}
