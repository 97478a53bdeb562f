using SharpTune.Objectives;
using SharpTune.Objectives.Rl;
using SharpTune.Recipes;
using SharpTune.Tests.Preferences;
using SharpTune.Tokenization;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests.Rl;

/// <summary><c>rl.reward: reward_model</c> on a short reward run: its scores and a two-step GRPO run that uses them.</summary>
[Collection(Training.TrainingCollection.Name)]
public sealed class RewardModelRewardTests(RewardRunFixture run) : IClassFixture<RewardRunFixture>
{
    [Fact]
    public void Scores_EqualTheRewardRunsModel()
    {
        // RLHF scores each sample as one row, as `sharptune score` scores {"prompt","response"} rows. The reward run
        // itself is checked against its own eval metrics in ScoreCommandTests.
        var rl = new RlOptions { Reward = RewardKind.RewardModel, RewardModel = run.RunDir };
        using var tokenizer = HfTokenizer.Load(TestPaths.Stories260k);
        var reward = RewardFunctions.For(rl, tokenizer, TestPaths.Stories260k, CPU, RewardRunFixture.MaxLength);
        using var owner = Assert.IsAssignableFrom<IDisposable>(reward);
        var prompts = run.Pairs.Select(p => p.Prompt).Concat(run.Pairs.Select(p => p.Prompt)).ToList();
        var responses = run.Pairs.Select(p => p.Chosen).Concat(run.Pairs.Select(p => p.Rejected)).ToList();

        var scores = reward.Score(prompts, responses);

        // The full reward run has another value head, so equal scores show that rl.reward_model picked this run.
        using var expected = RewardModel.Load(TestPaths.Stories260k, run.RunDir, CPU, RewardRunFixture.MaxLength);
        using var other = RewardModel.Load(TestPaths.Stories260k, run.FullRunDir, CPU, RewardRunFixture.MaxLength);
        Assert.Equal(expected.Score(prompts, responses), scores);
        Assert.NotEqual(other.Score(prompts, responses), scores);
        Assert.True(scores.Distinct().Count() > 1, "a trained value head gives different texts different scores");
    }

    [Fact]
    public void GrpoRun_UsesTheRewardModel()
    {
        var dir = Path.Combine(run.Dir, "rlhf");
        Directory.CreateDirectory(dir);
        RecipeRun.Execute(GrpoRecipe(dir, rewardModel: run.RunDir, maxSteps: 2));

        var records = MetricsLog.Read(Path.Combine(dir, "run", "metrics.jsonl"));
        Assert.Equal(2, records.Count);
        // Every word-count or length reward is an integer; a value head's score almost never is.
        var rewards = records.Select(r => r["reward"]!.GetValue<double>()).ToList();
        Assert.All(rewards, r => Assert.True(double.IsFinite(r) && r != Math.Round(r), $"reward {r} is not a reward model's score"));
        Assert.All(records, r => Assert.True(r["peak_memory_mb"]!.GetValue<double>() > 0));
        var summary = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "run", "summary.json")))!;
        Assert.True(summary["peak_memory_mb"]!.GetValue<double>() > 0, "an RLHF run records its peak memory");
        var written = RecipeLoader.Load(Path.Combine(dir, "run", "recipe.yaml"));
        Assert.Equal(RewardKind.RewardModel, written.Rl.Reward);
        Assert.Equal(run.RunDir, written.Rl.RewardModel);
    }

    [Fact]
    public void PpoValueHead_IsRejected()
    {
        // A PPO run saves its critic as value_head.safetensors too, and its recipe names objective rlhf.
        var ppoRun = Path.Combine(run.Dir, "ppo-like");
        Directory.CreateDirectory(Path.Combine(ppoRun, "adapter"));
        foreach (var file in Directory.GetFiles(Path.Combine(run.RunDir, "adapter")))
            File.Copy(file, Path.Combine(ppoRun, "adapter", Path.GetFileName(file)), overwrite: true);
        File.WriteAllText(Path.Combine(ppoRun, "recipe.yaml"), "model: m\nobjective: rlhf\n");

        var error = Assert.Throws<SharpTuneInputException>(() => RewardModel.Load(TestPaths.Stories260k, ppoRun, CPU, field: "rl.reward_model"));

        Assert.Contains("rl.reward_model", error.Message);
        Assert.Contains("objective: rlhf", error.Message);
    }

    [Fact]
    public void MissingRewardModel_FailsBeforeTheOutputFolder()
    {
        var dir = Path.Combine(run.Dir, "missing-reward");
        Directory.CreateDirectory(dir);
        var error = Assert.Throws<SharpTuneInputException>(() => RecipeRun.Execute(GrpoRecipe(dir, rewardModel: "no-such-run", maxSteps: 1)));

        Assert.Contains("rl.reward_model", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    // A two-prompt GRPO recipe on stories260k whose reward is the reward model in rewardModel.
    static Recipe GrpoRecipe(string dir, string rewardModel, int maxSteps) => RecipeLoader.Parse($"""
        model: {TestPaths.Stories260k}
        objective: rlhf
        mechanism: lora
        device: cpu
        output_dir: run
        data:
          train: {Path.Combine(TestPaths.RepoRoot, "examples", "rlhf", "prompts.jsonl")}
        lora:
          r: 4
          dropout: 0
        rl:
          algorithm: grpo
          reward: reward_model
          reward_model: {rewardModel}
          rollout_batch_size: 2
          num_generations: 2
          max_new_tokens: 6
          ppo_epochs: 1
        training:
          max_steps: {maxSteps}
          batch_size: 4
          seed: 5
        """, Path.Combine(dir, "recipe.yaml"), dir);
}
