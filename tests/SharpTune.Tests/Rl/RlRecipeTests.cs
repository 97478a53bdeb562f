using SharpTune.Recipes;
using SharpTune.Tests.Recipes;

namespace SharpTune.Tests.Rl;

/// <summary>The <c>rl</c> section: TRL-like defaults and errors that name the key and the fix.</summary>
public class RlRecipeTests
{
    const string Rlhf = """
        model: models/tiny
        objective: rlhf
        mechanism: lora
        output_dir: out
        data:
          train: prompts.jsonl
        rl:
          reward_word: cat
        training:
          max_steps: 5
        """;

    [Fact]
    public void Defaults_FollowTrl()
    {
        var rl = RecipeText.Parse(Rlhf).Rl;

        Assert.Equal(RlAlgorithm.Ppo, rl.Algorithm);
        Assert.Equal(RewardKind.WordCount, rl.Reward);
        Assert.Equal((0.05, 1.0, 0.95, 0.2, 0.2, 0.1, 4), (rl.KlCoef, rl.Gamma, rl.Lam, rl.Cliprange, rl.CliprangeValue, rl.VfCoef, rl.PpoEpochs));
        Assert.Equal((0.04, 6.0, 10000), (rl.Beta, rl.TargetKl, rl.KlHorizon));
        Assert.False(rl.AdaptiveKl);
    }

    [Theory]
    [InlineData("rl.reward=length", "rl.reward_length_unit=characters", "rl.reward_target_length=40")]
    [InlineData("rl.reward=reward_model", "rl.reward_model=runs/reward", "rl.reward_model_base=models/other")]
    public void RoundTrip_KeepsEveryRlValue(string reward, string first, string second)
    {
        var recipe = RecipeText.Parse(Rlhf, "rl.algorithm=rloo", "rl.reward_word=null", reward, first, second,
            "rl.adaptive_kl=true", "rl.top_p=0.9", "rl.num_generations=3");

        var reloaded = RecipeText.Parse(recipe.ToYaml());

        Assert.Equal(recipe.Rl, reloaded.Rl);
    }

    [Theory]
    [InlineData("rl.reward_word=null", "--set rl.reward_word=null: rl.reward_word: a value is required")]
    [InlineData("rl.reward_word=two words", "rl.reward_word: 'two words' is not one word; set a single word such as cat")]
    [InlineData("rl.reward=reward_model", "rl.reward_model: missing required key; add 'reward_model: runs/reward' under 'rl:'")]
    [InlineData("rl.reward=length", "rl.reward_word: only rl.reward word_count uses this key, but rl.reward is length; remove the key or set rl.reward: word_count")]
    [InlineData("rl.reward_length_unit=characters", "rl.reward_length_unit: only rl.reward length uses this key, but rl.reward is word_count")]
    [InlineData("rl.reward_model=runs/reward", "rl.reward_model: only rl.reward reward_model uses this key, but rl.reward is word_count")]
    [InlineData("rl.top_p=1.5", "rl.top_p: 1.5 is out of range; set a number > 0 and <= 1")]
    [InlineData("rl.lam=2", "rl.lam: 2 is out of range; set a number >= 0 and <= 1")]
    [InlineData("rl.algorithm=ppg", "rl.algorithm: 'ppg' is not allowed; use one of: ppo, grpo, rloo")]
    [InlineData("mechanism=prefix", "mechanism: objective rlhf supports mechanism full, lora, qlora, loreft, direft or dii; use one of them instead of prefix")]
    [InlineData("mechanism=brep", "mechanism: brep trains with its own loss (truncated responses plus a bias penalty), which objective rlhf would replace; use loreft, direft or dii")]
    [InlineData("precision=fp16", "precision: objective rlhf supports precision fp32, bf16, nf4, fp4 or int8; use one of them instead of fp16")]
    [InlineData("data.eval_fraction=0.1", "data.eval_fraction: objective rlhf has no evaluation set")]
    [InlineData("from_scratch=true", "from_scratch: objective rlhf tunes a pretrained policy")]
    [InlineData("training.max_steps=null", "training.max_steps: a value is required")]
    [InlineData("training.gradient_accumulation_steps=2", "training.gradient_accumulation_steps: objective rlhf takes one optimizer step per minibatch")]
    public void InvalidValue_NamesKeyAndFix(string setting, string expected)
    {
        Assert.Contains(expected, RecipeText.ErrorOf(Rlhf, setting));
    }

    [Theory]
    [InlineData("grpo")]
    [InlineData("rloo")]
    public void GroupAlgorithms_NeedTwoGenerations(string algorithm)
    {
        var message = RecipeText.ErrorOf(Rlhf, $"rl.algorithm={algorithm}", "rl.num_generations=1");

        Assert.Contains($"rl.num_generations: 1 is out of range; {algorithm} compares the samples of one prompt, so set 2 or more", message);
    }
}
