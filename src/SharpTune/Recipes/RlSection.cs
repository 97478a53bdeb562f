using YamlDotNet.Core;
using static SharpTune.Recipes.RecipeWriter;

namespace SharpTune.Recipes;

/// <summary>Reads, checks and writes the recipe section <c>rl</c>.</summary>
internal static class RlSection
{
    public static RlOptions Build(RecipeValues values)
    {
        var d = new RlOptions();
        return new RlOptions
        {
            Algorithm = values.Enum<RlAlgorithm>("rl.algorithm") ?? d.Algorithm,
            Reward = values.Enum<RewardKind>("rl.reward") ?? d.Reward,
            RewardWord = values.Text("rl.reward_word", allowNull: true),
            RewardLengthUnit = values.Enum<LengthUnit>("rl.reward_length_unit") ?? d.RewardLengthUnit,
            RewardTargetLength = values.Int("rl.reward_target_length", min: 0, allowNull: true),
            RewardModel = values.Path("rl.reward_model", allowNull: true),
            RewardModelBase = values.Path("rl.reward_model_base", allowNull: true),
            RolloutBatchSize = values.Int("rl.rollout_batch_size", min: 1) ?? d.RolloutBatchSize,
            NumGenerations = values.Int("rl.num_generations", min: 1) ?? d.NumGenerations,
            MaxNewTokens = values.Int("rl.max_new_tokens", min: 1) ?? d.MaxNewTokens,
            Temperature = values.Number("rl.temperature", min: 0, minExclusive: true) ?? d.Temperature,
            TopK = values.Int("rl.top_k", min: 0) ?? d.TopK,
            TopP = AtMostOne(values, "rl.top_p", minExclusive: true) ?? d.TopP,
            KlCoef = values.Number("rl.kl_coef", min: 0) ?? d.KlCoef,
            AdaptiveKl = values.Bool("rl.adaptive_kl") ?? d.AdaptiveKl,
            TargetKl = values.Number("rl.target_kl", min: 0, minExclusive: true) ?? d.TargetKl,
            KlHorizon = values.Int("rl.kl_horizon", min: 1) ?? d.KlHorizon,
            Beta = values.Number("rl.beta", min: 0) ?? d.Beta,
            Gamma = AtMostOne(values, "rl.gamma") ?? d.Gamma,
            Lam = AtMostOne(values, "rl.lam") ?? d.Lam,
            Cliprange = values.Number("rl.cliprange", min: 0, minExclusive: true) ?? d.Cliprange,
            CliprangeValue = values.Number("rl.cliprange_value", min: 0, minExclusive: true) ?? d.CliprangeValue,
            VfCoef = values.Number("rl.vf_coef", min: 0) ?? d.VfCoef,
            PpoEpochs = values.Int("rl.ppo_epochs", min: 1) ?? d.PpoEpochs,
        };
    }

    // A probability or a discount: a number in [0, 1], or (0, 1] when zero would make it meaningless.
    static double? AtMostOne(RecipeValues values, string key, bool minExclusive = false)
    {
        var value = values.Number(key, min: 0, minExclusive: minExclusive);
        if (value > 1)
            throw values.Error(key, values.SourceOf(key), $"{value} is out of range; set a number {(minExclusive ? "> 0" : ">= 0")} and <= 1");
        return value;
    }

    /// <summary>Checks what a single key cannot: the reward's own settings, group sizes, and the mechanism and steps rlhf supports.</summary>
    public static void Check(RecipeValues values, Recipe recipe)
    {
        var rl = recipe.Rl;
        if (recipe.Objective != ObjectiveKind.Rlhf)
            return;
        // The mechanism is checked with the preference objectives' (RecipeBuilder.CheckPolicyMechanism).
        // RlhfRun computes in fp32 for every precision but bf16, so fp16 would not run in fp16.
        if (recipe.Precision == PrecisionKind.Fp16)
            throw values.Error("precision", values.SourceOf("precision"),
                "objective rlhf supports precision fp32, bf16, nf4, fp4 or int8; use one of them instead of fp16");
        if (recipe.FromScratch)
            throw values.Error("from_scratch", values.SourceOf("from_scratch"), "objective rlhf tunes a pretrained policy; remove from_scratch or set false");
        if (recipe.Data.Eval is not null || recipe.Data.EvalFraction > 0)
        {
            var key = recipe.Data.Eval is not null ? "data.eval" : "data.eval_fraction";
            throw values.Error(key, values.SourceOf(key), "objective rlhf has no evaluation set, because each step reports the reward of fresh samples; remove the key");
        }
        if (rl.Reward == RewardKind.WordCount && rl.RewardWord is null)
            throw values.Missing("rl.reward_word", "cat");
        if (rl.Reward == RewardKind.RewardModel && rl.RewardModel is null)
            throw values.Missing("rl.reward_model", "runs/reward");
        // A key of another reward left in the recipe would be silently unused, which hides a mistaken rl.reward.
        var reward = RecipeEnum.ToYaml(rl.Reward);
        foreach (var (key, set, usedBy) in new[]
        {
            ("rl.reward_word", rl.RewardWord is not null, RewardKind.WordCount),
            ("rl.reward_target_length", rl.RewardTargetLength is not null, RewardKind.Length),
            // The unit has a default that written recipes repeat, so only a value other than tokens counts as set.
            ("rl.reward_length_unit", rl.RewardLengthUnit != LengthUnit.Tokens, RewardKind.Length),
            ("rl.reward_model", rl.RewardModel is not null, RewardKind.RewardModel),
            ("rl.reward_model_base", rl.RewardModelBase is not null, RewardKind.RewardModel),
        })
        {
            if (set && rl.Reward != usedBy)
                throw values.Error(key, values.SourceOf(key),
                    $"only rl.reward {RecipeEnum.ToYaml(usedBy)} uses this key, but rl.reward is {reward}; remove the key or set rl.reward: {RecipeEnum.ToYaml(usedBy)}");
        }
        if (rl.RewardWord is string word && (word.Trim().Length == 0 || word.Any(char.IsWhiteSpace)))
            throw values.Error("rl.reward_word", values.SourceOf("rl.reward_word"), $"'{word}' is not one word; set a single word such as cat");
        if (rl.Algorithm is RlAlgorithm.Grpo or RlAlgorithm.Rloo && rl.NumGenerations < 2)
            throw values.Error("rl.num_generations", values.SourceOf("rl.num_generations"),
                $"{rl.NumGenerations} is out of range; {RecipeEnum.ToYaml(rl.Algorithm)} compares the samples of one prompt, so set 2 or more");
        if (recipe.Training.MaxSteps is null)
            throw values.Missing("training.max_steps", "50");
        if (recipe.Training.GradientAccumulationSteps != 1)
            throw values.Error("training.gradient_accumulation_steps", values.SourceOf("training.gradient_accumulation_steps"),
                "objective rlhf takes one optimizer step per minibatch of training.batch_size sequences; remove the key or set 1");
    }

    public static void Write(IEmitter emitter, RlOptions rl)
    {
        Section(emitter, "rl");
        Entry(emitter, "algorithm", Plain(RecipeEnum.ToYaml(rl.Algorithm)));
        Entry(emitter, "reward", Plain(RecipeEnum.ToYaml(rl.Reward)));
        Entry(emitter, "reward_word", rl.RewardWord is null ? Null() : Quoted(rl.RewardWord));
        Entry(emitter, "reward_length_unit", Plain(RecipeEnum.ToYaml(rl.RewardLengthUnit)));
        Entry(emitter, "reward_target_length", Integer(rl.RewardTargetLength));
        Entry(emitter, "reward_model", rl.RewardModel is null ? Null() : Quoted(rl.RewardModel));
        Entry(emitter, "reward_model_base", rl.RewardModelBase is null ? Null() : Quoted(rl.RewardModelBase));
        Entry(emitter, "rollout_batch_size", Integer(rl.RolloutBatchSize));
        Entry(emitter, "num_generations", Integer(rl.NumGenerations));
        Entry(emitter, "max_new_tokens", Integer(rl.MaxNewTokens));
        Entry(emitter, "temperature", Number(rl.Temperature));
        Entry(emitter, "top_k", Integer(rl.TopK));
        Entry(emitter, "top_p", Number(rl.TopP));
        Entry(emitter, "kl_coef", Number(rl.KlCoef));
        Entry(emitter, "adaptive_kl", Bool(rl.AdaptiveKl));
        Entry(emitter, "target_kl", Number(rl.TargetKl));
        Entry(emitter, "kl_horizon", Integer(rl.KlHorizon));
        Entry(emitter, "beta", Number(rl.Beta));
        Entry(emitter, "gamma", Number(rl.Gamma));
        Entry(emitter, "lam", Number(rl.Lam));
        Entry(emitter, "cliprange", Number(rl.Cliprange));
        Entry(emitter, "cliprange_value", Number(rl.CliprangeValue));
        Entry(emitter, "vf_coef", Number(rl.VfCoef));
        Entry(emitter, "ppo_epochs", Integer(rl.PpoEpochs));
        EndSection(emitter);
    }
}
