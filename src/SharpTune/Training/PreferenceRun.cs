using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SharpTune.Data;
using SharpTune.Models;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using SharpTune.Recipes;
using SharpTune.Runtime;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// Runs a recipe with <c>objective: dpo</c>, <c>orpo</c>, <c>simpo</c> or <c>reward</c>: read preference pairs, quantize the
/// base when asked, attach LoRA or ReFT or unfreeze the model, pick the DPO reference or add the value head, train,
/// and save the adapter or model with the reward accuracy and margins before and after.
/// </summary>
public static class PreferenceRun
{
    public static RunSummary Execute(Recipe recipe, bool resume, bool overwrite, ILogger logger,
        IProgress<TrainingProgress>? progress, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var device = DeviceSelector.Resolve(recipe.Device.ToString().ToLowerInvariant());
        using var tokenizer = HfTokenizer.Load(recipe.Model);

        // Data: pairs from data.train, eval pairs from data.eval or a seeded held-out fraction.
        var (trainPairs, evalPairs) = LoadPairs(recipe);
        var builder = new PreferenceExampleBuilder(tokenizer, recipe.Data.MaxLength);
        var collator = Collator.For(tokenizer);
        var train = new PreferenceBatchSource(builder.Build(trainPairs), collator);
        var eval = evalPairs is null ? null : new PreferenceBatchSource(builder.Build(evalPairs), collator);
        logger.LogInformation("{Objective}: {Train} train pairs, {Eval} eval pairs, {Truncated} rows truncated to max_length {MaxLength}",
            RecipeEnum.ToYaml(recipe.Objective), train.Count, eval?.Count ?? 0, builder.TruncatedCount, recipe.Data.MaxLength);

        var output = new RunOutput(recipe.OutputDir);
        var runDir = output.Prepare(resume, overwrite);

        var dtype = recipe.Precision == PrecisionKind.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
        using var model = PretrainedModel.Load(recipe.Model, dtype, device, logger);
        var policy = TrainablePolicy.Attach(model, recipe, tokenizer, logger);
        bool isDpo = recipe.Objective == ObjectiveKind.Dpo;
        using var frozenCopy = isDpo && !policy.FreezesBase && !recipe.Dpo.PrecomputeRefLogProbs
            ? PretrainedModel.Load(recipe.Model, dtype, device, logger)
            : null;
        var rewardObjective = recipe.Objective == ObjectiveKind.Reward ? new RewardObjective(model.Config.HiddenSize, dtype, device) : null;
        var (objective, rewards) = ObjectiveFor(recipe, model, rewardObjective, frozenCopy, train, eval);

        var parameters = ParameterCount.Of(model);
        File.WriteAllText(Path.Combine(runDir, "trainable_parameters.json"), parameters.ToJson().ToJsonString(MetricsLog.Indented));
        File.WriteAllText(Path.Combine(runDir, "recipe.yaml"), recipe.ToYaml().TrimEnd('\n') + "\n");

        // Training, with the implicit-reward metrics on the eval pairs before and after.
        var trainer = new Trainer(model, recipe.Training, train, eval, runDir, logger, objective);
        var before = eval is null ? null : Report(model, rewards, eval, recipe, logger, "before training");
        var result = trainer.Train(resume, progress, cancel);
        var initialEval = MetricsLog.FirstEvalLoss(trainer.MetricsPath);
        if (result.Interrupted)
            return new RunSummary(runDir, result, parameters, initialEval, clock.Elapsed);
        var after = eval is null ? null : Report(model, rewards, eval, recipe, logger, "after training");

        policy.Save(model, runDir, recipe.Model, rewardObjective is null ? null
            : new Dictionary<string, Tensor> { ["value_head.weight"] = rewardObjective.ValueHead.weight! });
        var summary = new RunSummary(recipe.OutputDir, result, parameters, initialEval, clock.Elapsed);
        var json = RecipeRun.SummaryJson(summary, device);
        if (before is not null && after is not null)
        {
            json["initial_eval_reward_accuracy"] = before.Accuracy;
            json["initial_eval_reward_margin"] = before.Margin;
            json["eval_reward_accuracy"] = after.Accuracy;
            var (low, high) = after.AccuracyInterval();
            json["eval_reward_accuracy_wilson95"] = new JsonArray(low, high);
            json["eval_pairs"] = after.Pairs;
            json["eval_reward_margin"] = after.Margin;
            json["eval_chosen_reward"] = after.ChosenReward;
            json["eval_rejected_reward"] = after.RejectedReward;
        }
        File.WriteAllText(Path.Combine(runDir, "summary.json"), json.ToJsonString(MetricsLog.Indented));
        output.Publish();
        return summary;
    }

    /// <summary>File name of a reward model's value head, saved beside the adapter or model weights.</summary>
    public const string RewardValueHeadFile = PolicyArtifact.ValueHeadFile;

    /// <summary>
    /// Returns the run's objective and its reward for the metrics: the value head's score, DPO's implicit reward, or
    /// for orpo and simpo β times the mean token log-probability, as TRL logs them.
    /// </summary>
    static (ITrainingObjective Objective, Func<LlamaForCausalLM, Batch, (Tensor, Tensor)> Rewards) ObjectiveFor(Recipe recipe,
        LlamaForCausalLM model, RewardObjective? rewardObjective, LlamaForCausalLM? frozenCopy, PreferenceBatchSource train,
        PreferenceBatchSource? eval)
    {
        double beta = recipe.Dpo.Beta;
        (Tensor, Tensor) MeanRewards(LlamaForCausalLM policy, Batch batch)
        {
            using var scope = NewDisposeScope();
            using var guard = no_grad();
            var (chosen, rejected) = PairMeans.Of(policy, batch);
            return ((chosen * beta).MoveToOuterDisposeScope(), (rejected * beta).MoveToOuterDisposeScope());
        }

        switch (recipe.Objective)
        {
            case ObjectiveKind.Reward:
                return (rewardObjective!, rewardObjective!.Rewards);
            case ObjectiveKind.Orpo:
                return (new OrpoObjective(beta), MeanRewards);
            case ObjectiveKind.Simpo:
                return (new SimpoObjective(beta, recipe.Dpo.SimpoGamma), MeanRewards);
            default:
                var dpo = DpoObjectiveFor(recipe, model, frozenCopy, train, eval);
                return (dpo, dpo.Rewards);
        }
    }

    // The reference of LoRA, QLoRA and ReFT is the policy with its adapters or interventions switched off, which is
    // the (possibly quantized) base. Full tuning keeps a frozen copy, unless the
    // reference log-probabilities are precomputed while the policy still equals the reference.
    // Precomputing is safe on resume too, because the trainer restores the checkpoint weights only inside Train.
    static DpoObjective DpoObjectiveFor(Recipe recipe, LlamaForCausalLM model, LlamaForCausalLM? frozenCopy,
        PreferenceBatchSource train, PreferenceBatchSource? eval)
    {
        IReferenceLogProbs reference = frozenCopy is not null ? new FrozenModelReference(frozenCopy) : AdapterDisabledReference.Instance;
        if (recipe.Dpo.PrecomputeRefLogProbs)
            reference = PrecomputedReference.Compute(model, reference, recipe.Training.BatchSize, train, eval);
        return new DpoObjective(recipe.Dpo.Beta, recipe.Dpo.LossType, reference);
    }

    static (IReadOnlyList<PreferencePair> Train, IReadOnlyList<PreferencePair>? Eval) LoadPairs(Recipe recipe)
    {
        var train = PreferenceRecords.Load(recipe.Data.Train);
        if (recipe.Data.Eval is string evalPath)
            return (train, PreferenceRecords.Load(evalPath));
        if (recipe.Data.EvalFraction > 0)
            return EvalSplit.Split(train, recipe.Data.EvalFraction, (ulong)recipe.Training.Seed);
        return (train, null);
    }

    static PreferenceMetrics Report(LlamaForCausalLM model, Func<LlamaForCausalLM, Batch, (Tensor, Tensor)> rewards,
        PreferenceBatchSource eval, Recipe recipe, ILogger logger, string when)
    {
        var metrics = PreferenceMetrics.Evaluate(model, eval, recipe.Training.BatchSize, rewards);
        logger.LogInformation("eval {When}: reward accuracy {Accuracy:F4}, chosen reward {Chosen:F4}, rejected reward {Rejected:F4}, margin {Margin:F4} on {Pairs} pairs",
            when, metrics.Accuracy, metrics.ChosenReward, metrics.RejectedReward, metrics.Margin, metrics.Pairs);
        return metrics;
    }
}
