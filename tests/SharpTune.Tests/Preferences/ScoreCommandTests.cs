using System.Text.Json.Nodes;
using SharpTune.Objectives;
using SharpTune.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpTune.Tests.Preferences;

/// <summary><c>sharptune score</c> on a short reward run: its figures against the run's own eval and the library.</summary>
[Collection(Training.TrainingCollection.Name)]
public sealed class ScoreCommandTests(RewardRunFixture run, ITestOutputHelper output) : IClassFixture<RewardRunFixture>
{
    static readonly string MaxLength = RewardRunFixture.MaxLength.ToString();

    CliResult Score(string data, params string[] extra) => ScoreWith(run.RunDir, data, extra);

    CliResult ScoreWith(string rewardDir, string data, params string[] extra)
    {
        string[] args = ["score", "--model", TestPaths.Stories260k, "--reward-model", rewardDir, "--data", data,
            "--max-length", MaxLength, "--device", "cpu", .. extra];
        var result = CliProcess.Run(run.Dir, args);
        output.WriteLine(result.Stdout);
        output.WriteLine(result.Stderr);
        return result;
    }

    static List<JsonNode> ReadLines(string path) => File.ReadLines(path).Select(line => JsonNode.Parse(line)!).ToList();

    float[] LibraryScores(IReadOnlyList<string> prompts, IReadOnlyList<string> responses)
    {
        using var model = RewardModel.Load(TestPaths.Stories260k, run.RunDir, CPU, RewardRunFixture.MaxLength);
        return model.Score(prompts, responses);
    }

    string WriteData(string name, params JsonObject[] records)
    {
        var path = Path.Combine(run.Dir, name);
        File.WriteAllLines(path, records.Select(r => r.ToJsonString()));
        return path;
    }

    [Fact]
    public void Pairs_ReproduceTheRunsEvalMetrics() => AssertEvalMetrics(Score(run.PairsFile), run.Summary);

    [Fact]
    public void FullModelFolder_ReproducesTheRunsEvalMetrics() =>
        AssertEvalMetrics(ScoreWith(Path.Combine(run.FullRunDir, "model"), run.PairsFile), run.FullSummary);

    static void AssertEvalMetrics(CliResult result, JsonNode runSummary)
    {
        Assert.Equal(0, result.ExitCode);
        var summary = JsonNode.Parse(result.Stdout)!;
        Assert.Equal(8, summary["pairs"]!.GetValue<int>());
        Assert.Equal(runSummary["eval_reward_accuracy"]!.GetValue<double>(), summary["accuracy"]!.GetValue<double>());
        Assert.Equal(runSummary["eval_reward_accuracy_wilson95"]![0]!.GetValue<double>(), summary["accuracy_wilson95"]![0]!.GetValue<double>(), 1e-12);
        Assert.Equal(runSummary["eval_reward_margin"]!.GetValue<double>(), summary["margin"]!.GetValue<double>(), 1e-5);
        Assert.NotEqual(0, summary["margin"]!.GetValue<double>()); // training moved the zero-initialised head
    }

    [Fact]
    public void PairScores_EqualLibraryScores()
    {
        var file = Path.Combine(run.Dir, "pair-scores.jsonl");

        var result = Score(run.PairsFile, "--output", file, "--batch-size", "3");

        Assert.Equal(0, result.ExitCode);
        var lines = ReadLines(file);
        // Pairs share one prompt cut, as in training, so the library scores each pair's two rows together.
        using var model = RewardModel.Load(TestPaths.Stories260k, run.RunDir, CPU, RewardRunFixture.MaxLength);
        var scores = model.Score(run.Pairs.Select(model.PairRows).SelectMany(p => new[] { p.Chosen, p.Rejected }).ToList());
        var chosen = scores.Where((_, i) => i % 2 == 0).ToArray();
        var rejected = scores.Where((_, i) => i % 2 == 1).ToArray();
        for (int i = 0; i < lines.Count; i++)
        {
            Assert.Equal(i + 1, lines[i]["line"]!.GetValue<int>());
            Assert.Equal(chosen[i], lines[i]["chosen_score"]!.GetValue<float>(), 1e-5f);
            Assert.Equal(rejected[i], lines[i]["rejected_score"]!.GetValue<float>(), 1e-5f);
        }
        // Accuracy counted by hand from the written scores.
        double correct = lines.Count(l => l["chosen_score"]!.GetValue<float>() > l["rejected_score"]!.GetValue<float>());
        Assert.Equal(correct / 8, JsonNode.Parse(result.Stdout)!["accuracy"]!.GetValue<double>());
    }

    [Fact]
    public void LeftPadding_GivesTheRightPaddingScores()
    {
        var right = Path.Combine(run.Dir, "right.jsonl");
        var left = Path.Combine(run.Dir, "left.jsonl");

        var rightRun = Score(run.PairsFile, "--output", right, "--batch-size", "4");
        var leftRun = Score(run.PairsFile, "--output", left, "--batch-size", "4", "--padding", "left");

        Assert.Equal(0, rightRun.ExitCode);
        Assert.Equal(0, leftRun.ExitCode);
        var pairs = ReadLines(right).Zip(ReadLines(left));
        // Attention over a different padded length rounds differently in float32; see RewardObjectiveTests.
        foreach (var (r, l) in pairs)
        {
            Assert.Equal(r["chosen_score"]!.GetValue<float>(), l["chosen_score"]!.GetValue<float>(), 1e-4f);
            Assert.Equal(r["rejected_score"]!.GetValue<float>(), l["rejected_score"]!.GetValue<float>(), 1e-4f);
        }
    }

    [Fact]
    public void ResponseAndTextRows_GetOneScoreEach()
    {
        var pair = run.Pairs[0];
        var rows = WriteData("rows.jsonl",
            new JsonObject { ["prompt"] = pair.Prompt, ["response"] = pair.Chosen },
            new JsonObject { ["prompt"] = pair.Prompt, ["response"] = pair.Rejected });
        var texts = WriteData("texts.jsonl", new JsonObject { ["text"] = pair.Chosen });

        var rowRun = Score(rows);
        var textRun = Score(texts);

        Assert.Equal(0, rowRun.ExitCode);
        Assert.Equal(0, textRun.ExitCode);
        var rowScores = rowRun.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!["score"]!.GetValue<float>()).ToList();
        var expected = LibraryScores([pair.Prompt, pair.Prompt, ""], [pair.Chosen, pair.Rejected, pair.Chosen]);
        Assert.Equal(2, rowScores.Count);
        Assert.Equal(expected[0], rowScores[0], 1e-5f);
        Assert.Equal(expected[1], rowScores[1], 1e-5f);
        Assert.Equal(expected[2], JsonNode.Parse(textRun.Stdout)!["score"]!.GetValue<float>(), 1e-5f);
    }

    [Fact]
    public void Rankings_CountEveryOrderedPair()
    {
        var (a, b) = (run.Pairs[0], run.Pairs[1]);
        var rankings = WriteData("rankings.jsonl", new JsonObject
        {
            ["prompt"] = a.Prompt,
            ["rankings"] = new JsonArray(
                new JsonObject { ["output"] = a.Chosen, ["rank"] = 1 },
                new JsonObject { ["output"] = a.Rejected, ["rank"] = 2, ["label"] = "worse" },
                new JsonObject { ["output"] = b.Chosen, ["rank"] = 3 }),
        });

        var result = Score(rankings);

        Assert.Equal(0, result.ExitCode);
        var s = LibraryScores([a.Prompt, a.Prompt, a.Prompt], [a.Chosen, a.Rejected, b.Chosen]);
        double correct = (s[0] > s[1] ? 1 : 0) + (s[0] > s[2] ? 1 : 0) + (s[1] > s[2] ? 1 : 0);
        var summary = JsonNode.Parse(result.Stdout)!;
        Assert.Equal(3, summary["pairs"]!.GetValue<int>());
        Assert.Equal(correct / 3, summary["accuracy"]!.GetValue<double>());
        Assert.Equal((2 * s[0] - 2 * s[2]) / 3.0, summary["margin"]!.GetValue<double>(), 1e-5);
    }

    [Fact]
    public void MissingValueHead_ExitsWithCode2()
    {
        var adapterOnly = Path.Combine(run.Dir, "adapter-only");
        Directory.CreateDirectory(adapterOnly);
        foreach (var file in Directory.GetFiles(Path.Combine(run.RunDir, "adapter")).Where(f => !f.EndsWith(PreferenceRun.RewardValueHeadFile)))
            File.Copy(file, Path.Combine(adapterOnly, Path.GetFileName(file)), overwrite: true);

        var result = CliProcess.Run(run.Dir, "score", "--model", TestPaths.Stories260k, "--reward-model", adapterOnly,
            "--data", run.PairsFile, "--device", "cpu");

        Assert.Equal(2, result.ExitCode);
        var error = Assert.Single(result.ErrorLines);
        Assert.Contains($"{adapterOnly}: --reward-model: no {PreferenceRun.RewardValueHeadFile}", error);
    }

    [Fact]
    public void UnknownField_ExitsWithCode2AndKeepsTheOldOutput()
    {
        var data = Path.Combine(run.Dir, "unknown-field.jsonl");
        File.WriteAllLines(data, [
            new JsonObject { ["prompt"] = "p", ["chosen"] = "a", ["rejected"] = "b" }.ToJsonString(),
            new JsonObject { ["prompt"] = "p", ["chosen"] = "a", ["rejectd"] = "b" }.ToJsonString(),
        ]);
        var previous = Path.Combine(run.Dir, "previous.jsonl");
        File.WriteAllText(previous, "{\"score\": 1}\n");

        var result = Score(data, "--output", previous);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{data}:2: rejectd: unknown field in a pair record", Assert.Single(result.ErrorLines));
        Assert.Equal("{\"score\": 1}\n", File.ReadAllText(previous));
    }

    [Fact]
    public void BadJsonLine_ExitsWithCode2()
    {
        var data = Path.Combine(run.Dir, "bad-json.jsonl");
        File.WriteAllText(data, "{\"text\": \"fine\"}\n{\"text\": \"unterminated}\n");

        var result = Score(data);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"error: {data}:2:", Assert.Single(result.ErrorLines));
    }
}
