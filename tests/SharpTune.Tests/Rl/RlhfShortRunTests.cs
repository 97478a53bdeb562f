using SharpTune.Recipes;
using SharpTune.Training;

namespace SharpTune.Tests.Rl;

/// <summary>Two-step runs that cover RLOO, full fine-tuning with a frozen reference copy, the length reward and the adaptive KL controller.</summary>
[Collection(Training.TrainingCollection.Name)]
public sealed class RlhfShortRunTests : IDisposable
{
    readonly string dir = TestPaths.NewTempDir("sharptune-rlhf-short");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void RlooFull_FirstStepHasZeroKlAndNoClipping()
    {
        var yaml = $"""
            model: {TestPaths.Stories260k}
            objective: rlhf
            mechanism: full
            device: cpu
            output_dir: run
            data:
              train: {Path.Combine(TestPaths.RepoRoot, "examples", "rlhf", "prompts.jsonl")}
            rl:
              algorithm: rloo
              reward: length
              reward_length_unit: characters
              reward_target_length: 30
              rollout_batch_size: 4
              num_generations: 2
              max_new_tokens: 8
              adaptive_kl: true
              ppo_epochs: 1
            training:
              max_steps: 2
              batch_size: 8
              learning_rate: 1.0e-3
              seed: 3
            """;
        RecipeRun.Execute(RecipeLoader.Parse(yaml, Path.Combine(dir, "recipe.yaml"), dir));
        var records = MetricsLog.Read(Path.Combine(dir, "run", "metrics.jsonl"));

        // Before the first update the policy is the frozen copy, so the KL is exactly 0. One epoch in one minibatch
        // updates the policy that sampled, so every ratio is 1 up to rounding and nothing is clipped.
        Assert.Equal(0.0, records[0]["kl"]!.GetValue<double>());
        Assert.Equal(0.0, records[0]["clip_fraction"]!.GetValue<double>());
        // KL 0 is below target 6 by more than 20%, so β shrinks by 0.2·8/10000 of itself after the 8 responses of step 1.
        Assert.Equal(0.05, records[0]["kl_coef"]!.GetValue<double>(), 12);
        Assert.Equal(0.05 * (1 - 0.2 * 8 / 10000.0), records[1]["kl_coef"]!.GetValue<double>(), 12);
        Assert.True(records[0]["reward"]!.GetValue<double>() <= 0, "the length reward with a target is never positive");
        Assert.True(File.Exists(Path.Combine(dir, "run", "model", "model.safetensors")));
    }
}
