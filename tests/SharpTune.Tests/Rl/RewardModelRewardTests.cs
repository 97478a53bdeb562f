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
    public void Scores_ReproduceTheRewardRunsOwnEvalMetrics()
    {
        // The reward run evaluated its eight eval pairs during training. The RLHF reward must rank and separate
        // them the same way, so this checks loading, row building and the value head together.
        var rl = new RlOptions { Reward = RewardKind.RewardModel, RewardModel = run.RunDir };
        using var tokenizer = HfTokenizer.Load(TestPaths.Stories260k);
        var reward = RewardFunctions.For(rl, tokenizer, TestPaths.Stories260k, CPU, RewardRunFixture.MaxLength);
        using var owner = Assert.IsAssignableFrom<IDisposable>(reward);

        var prompts = run.Pairs.Select(p => p.Prompt).ToList();
        var chosen = reward.Score(prompts, run.Pairs.Select(p => p.Chosen).ToList());
        var rejected = reward.Score(prompts, run.Pairs.Select(p => p.Rejected).ToList());

        double accuracy = chosen.Zip(rejected).Count(p => p.First > p.Second) / (double)chosen.Length;
        double margin = chosen.Zip(rejected).Average(p => (double)p.First - p.Second);
        Assert.Equal(run.Summary["eval_reward_accuracy"]!.GetValue<double>(), accuracy);
        Assert.Equal(run.Summary["eval_reward_margin"]!.GetValue<double>(), margin, 1e-5);
        Assert.True(margin != 0, "a trained value head separates at least one pair");
    }

    [Fact]
    public void GrpoRun_UsesTheRewardModel()
    {
        var dir = Path.Combine(run.Dir, "rlhf");
        Directory.CreateDirectory(dir);
        var yaml = $"""
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
              reward_model: {run.RunDir}
              rollout_batch_size: 2
              num_generations: 2
              max_new_tokens: 6
              ppo_epochs: 1
            training:
              max_steps: 2
              batch_size: 4
              seed: 5
            """;
        RecipeRun.Execute(RecipeLoader.Parse(yaml, Path.Combine(dir, "recipe.yaml"), dir));

        var records = MetricsLog.Read(Path.Combine(dir, "run", "metrics.jsonl"));
        Assert.Equal(2, records.Count);
        // Every word-count or length reward is an integer; a value head's score almost never is.
        var rewards = records.Select(r => r["reward"]!.GetValue<double>()).ToList();
        Assert.All(rewards, r => Assert.True(double.IsFinite(r) && r != Math.Round(r), $"reward {r} is not a reward model's score"));
        var written = RecipeLoader.Load(Path.Combine(dir, "run", "recipe.yaml"));
        Assert.Equal(RewardKind.RewardModel, written.Rl.Reward);
        Assert.Equal(run.RunDir, written.Rl.RewardModel);
    }
}
