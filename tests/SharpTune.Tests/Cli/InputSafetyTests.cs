using System.Text.Json.Nodes;

namespace SharpTune.Tests.Cli;

/// <summary>Bad input found by trying the tool as a user: each case must exit 2 with one error line and lose no files.</summary>
public class InputSafetyTests
{
    static readonly string Cwd = Directory.GetCurrentDirectory();

    [Fact]
    public void Merge_RefusesNonEmptyForeignFolder()
    {
        var output = TestPaths.NewTempDir();
        File.WriteAllText(Path.Combine(output, "notes.txt"), "keep");

        var result = CliProcess.Run(Cwd, "merge", "--model", TestPaths.Stories260k, "--adapter", "/nonexistent", "--output", output, "--overwrite");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("SharpTune did not write", Assert.Single(result.ErrorLines));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(output, "notes.txt")));
    }

    [Fact]
    public void Merge_RefusesOutputEqualToModel()
    {
        var result = CliProcess.Run(Cwd, "merge", "--model", TestPaths.Stories260k, "--adapter", "/nonexistent", "--output", TestPaths.Stories260k);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is an input of this command", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void Train_RefusesOutputDirThatIsFile()
    {
        var dir = TestPaths.NewTempDir();
        var file = Path.Combine(dir, "afile");
        File.WriteAllText(file, "hi");
        var recipe = WriteSftRecipe(dir, file);

        var result = CliProcess.Run(dir, "train", recipe, "--overwrite");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is an existing file", Assert.Single(result.ErrorLines));
        Assert.Equal("hi", File.ReadAllText(file));
        Assert.False(Directory.Exists(file + ".partial"));
    }

    [Fact]
    public void Train_OverwriteKeepsForeignFolder()
    {
        var dir = TestPaths.NewTempDir();
        var recipe = WriteSftRecipe(dir, dir);

        var result = CliProcess.Run(dir, "train", recipe, "--overwrite");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("SharpTune did not write", Assert.Single(result.ErrorLines));
        Assert.True(File.Exists(recipe));
    }

    [Fact]
    public void Eval_NoExampleLeftIsInputError()
    {
        var result = CliProcess.Run(Cwd, "eval", "--model", TestPaths.Stories260k,
            "--data", TestPaths.SharedData("gsm8k_sft.dev.jsonl"), "--max-length", "16");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("raise --max-length", Assert.Single(result.ErrorLines));
    }

    [Theory]
    [InlineData("--temperature", "NaN")]
    [InlineData("--top-p", "0")]
    [InlineData("--max-new-tokens", "0")]
    public void Generate_InvalidSamplingOptionNamed(string option, string value)
    {
        var result = CliProcess.Run(Cwd, "generate", "--model", TestPaths.Stories260k, "--prompt", "Hi", option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"error: {option}:", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void Generate_PromptLongerThanWindowIsInputError()
    {
        var prompt = string.Join(" ", Enumerable.Repeat("word", 2000));

        var result = CliProcess.Run(Cwd, "generate", "--model", TestPaths.Stories260k, "--prompt", prompt, "--max-new-tokens", "5");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("context window of 512", Assert.Single(result.ErrorLines));
    }

    [Theory]
    [InlineData("hidden_act", "\"gelu\"", "hidden_act")]
    [InlineData("rope_scaling", "{\"rope_type\": \"longrope\", \"factor\": 4}", "rope_scaling")]
    [InlineData("num_attention_heads", "0", "num_attention_heads")]
    [InlineData("hidden_size", "\"64\"", "hidden_size: expected an integer")]
    public void Config_UnsupportedValueRejected(string key, string json, string expected)
    {
        var model = CopyStories260kWith(key, json);

        var result = CliProcess.Run(Cwd, "generate", "--model", model, "--prompt", "Hi", "--max-new-tokens", "2");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, Assert.Single(result.ErrorLines));
    }

    static string CopyStories260kWith(string key, string json)
    {
        var dir = TestPaths.NewTempDir("model");
        foreach (var file in Directory.GetFiles(TestPaths.Stories260k))
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        var configPath = Path.Combine(dir, "config.json");
        File.SetAttributes(configPath, FileAttributes.Normal);
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config[key] = JsonNode.Parse(json);
        File.WriteAllText(configPath, config.ToJsonString());
        return dir;
    }

    static string WriteSftRecipe(string dir, string outputDir)
    {
        var recipe = Path.Combine(dir, "sft.yaml");
        File.WriteAllText(recipe, $"""
            model: {TestPaths.Stories260k}
            objective: sft
            mechanism: lora
            output_dir: {outputDir}
            data:
              train: {TestPaths.SharedData("gsm8k_sft.dev.jsonl")}
              max_length: 256
            training:
              max_steps: 1
            """);
        return recipe;
    }
}
