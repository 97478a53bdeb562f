using System.Text.Json.Nodes;
using SharpTune.Tests.Training;

namespace SharpTune.Tests.Cli;

/// <summary>Bad input makes <c>sharptune train</c> exit with code 2 and one <c>error:</c> line that names the file, line or key.</summary>
public class TrainInputErrorTests
{
    readonly string dir = TestPaths.NewTempDir("sharptune-cli-errors");

    [Fact]
    public void MissingModelFolder_NamesFolder()
    {
        var recipe = WriteRecipe(model: Path.Combine(dir, "no-such-model"), train: TrainingMaterial.Gsm8k);

        var result = CliProcess.Run(dir, "train", recipe);

        Assert.Equal(2, result.ExitCode);
        var error = Assert.Single(result.ErrorLines);
        Assert.Contains(Path.Combine(dir, "no-such-model"), error);
        Assert.Contains("not found", error);
    }

    [Fact]
    public void UnsupportedArchitecture_NamesConfigKey()
    {
        var model = Directory.CreateDirectory(Path.Combine(dir, "falcon-model")).FullName;
        foreach (var file in Directory.GetFiles(TestPaths.Stories260k))
            File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(model, "config.json")))!.AsObject();
        config["architectures"] = new JsonArray("FalconForCausalLM");
        config["model_type"] = "falcon";
        File.WriteAllText(Path.Combine(model, "config.json"), config.ToJsonString());
        var recipe = WriteRecipe(model, train: TrainingMaterial.Gsm8k);

        var result = CliProcess.Run(dir, "train", recipe);

        Assert.Equal(2, result.ExitCode);
        var error = Assert.Single(result.ErrorLines);
        Assert.Contains(Path.Combine(model, "config.json") + ": architectures:", error);
        Assert.Contains("FalconForCausalLM", error);
    }

    [Fact]
    public void MalformedJsonLine37_NamesLine()
    {
        var lines = File.ReadLines(TrainingMaterial.Gsm8k).Take(40).ToArray();
        lines[36] = lines[36][..^1]; // drop the closing brace
        var train = Path.Combine(dir, "train.jsonl");
        File.WriteAllLines(train, lines);

        var result = CliProcess.Run(dir, "train", WriteRecipe(TestPaths.Stories260k, train));

        Assert.Equal(2, result.ExitCode);
        var error = Assert.Single(result.ErrorLines);
        Assert.Contains(train + ":37:", error);
    }

    [Fact]
    public void SftRecordWithoutOutput_NamesLineAndField()
    {
        var lines = Enumerable.Range(1, 8)
            .Select(i => new JsonObject { ["instruction"] = $"Add {i} and {i}.", ["output"] = $"{2 * i}" })
            .ToArray();
        lines[5].Remove("output");
        var train = Path.Combine(dir, "train.jsonl");
        File.WriteAllLines(train, lines.Select(line => line.ToJsonString()));

        var result = CliProcess.Run(dir, "train", WriteRecipe(TestPaths.Stories260k, train));

        Assert.Equal(2, result.ExitCode);
        var error = Assert.Single(result.ErrorLines);
        Assert.Contains(train + ":6: output: missing", error);
    }

    [Fact]
    public void UnknownRecipeKey_NamesLineAndKey()
    {
        var recipe = WriteRecipe(TestPaths.Stories260k, TrainingMaterial.Gsm8k, trainingKey: "learnig_rate: 1e-3");
        int line = Array.FindIndex(File.ReadAllLines(recipe), l => l.Contains("learnig_rate")) + 1;

        var result = CliProcess.Run(dir, "train", recipe);

        Assert.Equal(2, result.ExitCode);
        var error = Assert.Single(result.ErrorLines);
        Assert.Contains($"{recipe}:{line}: training.learnig_rate:", error);
        Assert.Contains("training.learning_rate", error);
    }

    string WriteRecipe(string model, string train, string trainingKey = "learning_rate: 1e-3")
    {
        var path = Path.Combine(dir, "recipe.yaml");
        File.WriteAllText(path, $"""
            model: {model}
            objective: sft
            mechanism: lora
            device: cpu
            output_dir: {Path.Combine(dir, "out")}
            data:
              train: {train}
              max_length: 300
            training:
              max_steps: 2
              batch_size: 2
              {trainingKey}
            """);
        return path;
    }
}
