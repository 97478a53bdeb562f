using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SharpTune.Data;
using SharpTune.Generation;
using SharpTune.Models;
using SharpTune.Objectives.Rl;
using SharpTune.Recipes;
using SharpTune.Runtime;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// Runs a recipe with <c>objective: rlhf</c>: read prompts, quantize the base when asked, attach LoRA or ReFT or
/// unfreeze the model, pick the reference, then for each of <c>training.max_steps</c> steps sample, score and update
/// (PPO, GRPO or RLOO), and save the adapter, interventions or model with the value head.
/// </summary>
public static class RlhfRun
{
    public static RunSummary Execute(Recipe recipe, bool resume, bool overwrite, ILogger logger,
        IProgress<TrainingProgress>? progress, CancellationToken cancel)
    {
        // NOTE: RLHF runs write no checkpoints yet, so there is nothing to resume from.
        if (resume)
            throw new SharpTuneInputException($"{recipe.OutputDir}: objective rlhf cannot resume yet; run again without --resume");
        var clock = Stopwatch.StartNew();
        var device = DeviceSelector.Resolve(recipe.Device.ToString().ToLowerInvariant());
        var rl = recipe.Rl;
        using var tokenizer = HfTokenizer.Load(recipe.Model);

        // Data: prompts, cut from the left so that prompt and response fit the context window.
        var prompts = PromptRecords.Load(recipe.Data.Train);
        var config = ModelConfig.Load(recipe.Model);
        int keep = Math.Min(recipe.Data.MaxLength, config.MaxPositionEmbeddings - rl.MaxNewTokens);
        if (keep < 1)
            throw new SharpTuneInputException(
                $"rl.max_new_tokens: {rl.MaxNewTokens} leaves no room for a prompt in the model's context window of {config.MaxPositionEmbeddings}; lower it");
        var encoded = prompts.Select(p => TextCompletion.EncodePrompt(tokenizer, p)).ToList();
        int truncated = encoded.Count(ids => ids.Count > keep);
        var promptIds = encoded.Select(ids => (IReadOnlyList<long>)ids.Skip(Math.Max(0, ids.Count - keep)).ToList()).ToList();
        logger.LogInformation("rlhf ({Algorithm}, reward {Reward}): {Count} prompts, {Truncated} cut to {Keep} tokens",
            RecipeEnum.ToYaml(rl.Algorithm), RecipeEnum.ToYaml(rl.Reward), prompts.Count, truncated, keep);

        // The reward comes first, so a bad rl.reward_model fails before the output folder exists. A reward model
        // scores the whole sample: the kept prompt, the response, BOS and EOS.
        var reward = RewardFunctions.For(rl, tokenizer, recipe.Model, device, keep + rl.MaxNewTokens + 2);
        using var rewardModel = reward as IDisposable;

        var output = new RunOutput(recipe.OutputDir);
        var runDir = output.Prepare(resume, overwrite);

        // Policy, reference and, for PPO, the value head.
        var dtype = recipe.Precision == PrecisionKind.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
        using var model = PretrainedModel.Load(recipe.Model, dtype, device, logger);
        var policy = TrainablePolicy.Attach(model, recipe, tokenizer, logger);
        using var frozenCopy = policy.FreezesBase ? null : PretrainedModel.Load(recipe.Model, dtype, device, logger);
        frozenCopy?.eval();
        using var valueHead = rl.Algorithm == RlAlgorithm.Ppo ? new ValueHead(config.HiddenSize, dtype, device) : null;
        using var trainer = new RlTrainer(model, rl, recipe.Training, reward, tokenizer, new RolloutReference(frozenCopy), valueHead);

        var parameters = ParameterCount.Of(model);
        File.WriteAllText(Path.Combine(runDir, "trainable_parameters.json"), parameters.ToJson().ToJsonString(MetricsLog.Indented));
        File.WriteAllText(Path.Combine(runDir, "recipe.yaml"), recipe.ToYaml().TrimEnd('\n') + "\n");

        // Training: each step takes the next rollout_batch_size prompts, in an order shuffled once per pass.
        var metricsPath = Path.Combine(runDir, "metrics.jsonl");
        var metrics = new MetricsLog(metricsPath);
        int totalSteps = recipe.Training.MaxSteps!.Value;
        var order = new BatchOrder(prompts.Count, rl.RolloutBatchSize, recipe.Training.Seed);
        random.manual_seed(recipe.Training.Seed);
        RlStepMetrics? last = null;
        int step = 0;
        for (; step < totalSteps && !cancel.IsCancellationRequested; step++)
        {
            var stepClock = Stopwatch.StartNew();
            var (indices, epoch) = order.MicroBatch(step);
            double lr = LearningRateSchedule.At(recipe.Training.LrScheduler, step, recipe.Training.WarmupSteps, totalSteps, recipe.Training.LearningRate);
            last = trainer.Step(indices.Select(i => prompts[i]).ToList(), indices.Select(i => promptIds[i]).ToList(), step, lr);

            bool logging = (step + 1) % recipe.Training.LoggingSteps == 0 || step + 1 == totalSteps;
            if (logging)
            {
                var record = last.ToJson(step + 1, lr);
                PeakMemory.WriteTo(record, device);
                metrics.Append(record);
                logger.LogInformation(
                    "step {Step}: reward {Reward:F3}, kl {Kl:F4}, entropy {Entropy:F3}, clip_fraction {Clip:F3}, response_length {Length:F1}{Value}, lr {Lr:G3}",
                    step + 1, last.Reward, last.Kl, last.Entropy, last.ClipFraction, last.ResponseLength,
                    last.ValueLoss is double v ? $", value_loss {v:F4}" : "", lr);
            }
            double tokensPerSecond = last.Tokens / Math.Max(1e-9, stepClock.Elapsed.TotalSeconds);
            progress?.Report(new TrainingProgress(step + 1, totalSteps, epoch, last.Loss, lr, last.GradNorm, tokensPerSecond, clock.Elapsed, null, logging));
        }
        var result = new TrainingResult(step, totalSteps, last?.Loss, null, Interrupted: step < totalSteps, Resumable: false);
        if (result.Interrupted)
        {
            logger.LogWarning("Interrupted at step {Step}; RLHF runs keep no checkpoint, so {OutputDir} is unchanged", step, recipe.OutputDir);
            return new RunSummary(runDir, result, parameters, null, clock.Elapsed);
        }

        policy.Save(model, runDir, recipe.Model, valueHead?.Parameters.ToDictionary(p => p.Name, p => (Tensor)p.Parameter));

        var records = MetricsLog.Read(metricsPath);
        var summary = new JsonObject
        {
            ["steps"] = result.Steps,
            ["algorithm"] = RecipeEnum.ToYaml(rl.Algorithm),
            ["final_loss"] = result.LastLoss,
            ["initial_reward"] = records[0]["reward"]!.GetValue<double>(),
            ["final_reward"] = records[^1]["reward"]!.GetValue<double>(),
            ["max_kl"] = records.Max(r => r["kl"]!.GetValue<double>()),
            ["final_kl_coef"] = trainer.Kl.Value,
            ["trainable_parameters"] = parameters.Trainable,
            ["total_parameters"] = parameters.Total,
            ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
        };
        PeakMemory.WriteTo(summary, device);
        File.WriteAllText(Path.Combine(runDir, "summary.json"), summary.ToJsonString(MetricsLog.Indented));
        output.Publish();
        logger.LogInformation("Finished: steps {Steps}, {Elapsed:F1} s; outputs in {Dir}", result.Steps, clock.Elapsed.TotalSeconds, recipe.OutputDir);
        return new RunSummary(recipe.OutputDir, result, parameters, null, clock.Elapsed);
    }
}
