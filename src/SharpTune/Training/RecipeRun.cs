using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SharpTune.Data;
using SharpTune.Mechanisms.Lora;
using SharpTune.Mechanisms.Qlora;
using SharpTune.Mechanisms.Reft;
using SharpTune.Models;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using SharpTune.Precision;
using SharpTune.Recipes;
using SharpTune.Runtime;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>What a finished or interrupted run reports.</summary>
public sealed record RunSummary(
    string OutputDir, TrainingResult Result, ParameterCount Parameters, double? InitialEvalLoss, TimeSpan Elapsed);

/// <summary>
/// Runs a recipe from start to end: load the model and tokenizer, read and tokenize the data, attach the
/// mechanism, train, and write the adapter or model with the metrics and the effective recipe.
/// </summary>
public static class RecipeRun
{
    public static RunSummary Execute(Recipe recipe, bool resume = false, bool overwrite = false,
        ILogger? logger = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        // An input error found after the staging folder was made (for example a checkpoint saved with another
        // optimizer, found after --resume copied a finished run) removes that folder again, so it is not mistaken
        // for an interrupted run. A staging folder that existed before, with an interrupted run's checkpoints, stays.
        var staging = new RunOutput(recipe.OutputDir).StagingDir;
        bool stagingExisted = Directory.Exists(staging);
        try
        {
            return ExecuteObjective(recipe, resume, overwrite, logger ?? NullLogger.Instance, progress, cancel);
        }
        catch (SharpTuneInputException) when (!stagingExisted && Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    static RunSummary ExecuteObjective(Recipe recipe, bool resume, bool overwrite,
        ILogger logger, IProgress<TrainingProgress>? progress, CancellationToken cancel)
    {
        if (recipe.Objective is ObjectiveKind.Dpo or ObjectiveKind.Reward or ObjectiveKind.Orpo or ObjectiveKind.Simpo)
            return PreferenceRun.Execute(recipe, resume, overwrite, logger, progress, cancel);
        if (recipe.Objective == ObjectiveKind.Rlhf)
            return RlhfRun.Execute(recipe, resume, overwrite, logger, progress, cancel);
        var clock = Stopwatch.StartNew();
        var device = DeviceSelector.Resolve(recipe.Device.ToString().ToLowerInvariant());

        // Foundation model: config first, so a wrong folder fails before any data work.
        var config = ModelConfig.Load(recipe.Model);
        using var tokenizer = HfTokenizer.Load(recipe.Model);
        logger.LogInformation("Model {Architecture} from {Path}: {Layers} layers, hidden {Hidden}, context window {Context}",
            config.Architecture, recipe.Model, config.NumHiddenLayers, config.HiddenSize, config.MaxPositionEmbeddings);

        // Data: parse, check against the objective, tokenize; report what truncation did.
        IReadOnlyList<string>? labels = null;
        RunData data;
        if (recipe.Objective == ObjectiveKind.Classify)
            (data, labels) = ClassificationRunData.Load(recipe, tokenizer);
        else
            data = RunData.Load(recipe, tokenizer, config.MaxPositionEmbeddings);
        Report(logger, "train", data.Train, recipe.Data.MaxLength, config.MaxPositionEmbeddings);
        if (data.Eval is not null)
            Report(logger, "eval", data.Eval, recipe.Data.MaxLength, config.MaxPositionEmbeddings);

        var output = new RunOutput(recipe.OutputDir);
        var runDir = output.Prepare(resume, overwrite);

        // Precision and mechanism.
        var dtype = RunPrecision.ComputeDtype(recipe.Precision);
        using var model = recipe.FromScratch
            ? PretrainedModel.CreateRandom(config, dtype, device, recipe.Training.Seed)
            : PretrainedModel.Load(recipe.Model, dtype, device, logger);
        var baseQuantization = TrainablePolicy.QuantizeBase(model, recipe, logger);
        var reft = ReftRecipe.TryAttach(model, recipe, tokenizer, logger);
        var collator = Collator.For(tokenizer);
        var trainSource = new ExampleBatchSource(data.Train.Examples, collator);
        var evalSource = data.Eval is null ? null : new ExampleBatchSource(data.Eval.Examples, collator);
        var loraOptions = reft is null ? AttachMechanism(model, recipe, logger) : null;
        var mechanism = reft is not null || recipe.Mechanism is MechanismKind.Full or MechanismKind.Lora or MechanismKind.Qlora
            ? null
            : MechanismSetup.Attach(model, recipe, data, trainSource, labels, logger);
        var parameters = ParameterCount.Of(model);
        logger.LogInformation("{Counts}", parameters.ToString());
        File.WriteAllText(Path.Combine(runDir, "trainable_parameters.json"), parameters.ToJson().ToJsonString(MetricsLog.Indented));
        File.WriteAllText(Path.Combine(runDir, "recipe.yaml"), recipe.ToYaml().TrimEnd('\n') + "\n");

        // Training.
        var trainer = new Trainer(model, recipe.Training, trainSource, evalSource, runDir, logger,
            mechanism?.Objective ?? ReftRecipe.Objective(reft, recipe))
        {
            AfterStep = mechanism?.AfterStep,
        };
        var metricsBefore = ClassificationReport(model, mechanism, evalSource, recipe, logger, "before training");
        var result = trainer.Train(resume, progress, cancel);
        var initialEval = MetricsLog.FirstEvalLoss(trainer.MetricsPath);
        if (result.Interrupted)
        {
            logger.LogWarning("Interrupted at step {Step}; continue with --resume (checkpoints are in {Dir})", result.Steps, runDir);
            return new RunSummary(runDir, result, parameters, initialEval, clock.Elapsed);
        }

        var metricsAfter = ClassificationReport(model, mechanism, evalSource, recipe, logger, "after training");

        // Outputs, then the folder swap that makes them visible.
        if (reft is not null)
            ReftArtifact.Save(reft, Path.Combine(runDir, "adapter"), recipe.Model);
        else if (mechanism is not null)
            mechanism.Save(Path.Combine(runDir, "adapter"));
        else if (loraOptions is not null)
        {
            PeftAdapter.Save(model, loraOptions, Path.Combine(runDir, "adapter"), recipe.Model);
            if (baseQuantization is not null)
                QuantizedBaseRecord.Write(Path.Combine(runDir, "adapter"), baseQuantization, merged: false);
        }
        else
            PretrainedModel.Save(model, Path.Combine(runDir, "model"), recipe.Model);
        var summary = new RunSummary(recipe.OutputDir, result, parameters, initialEval, clock.Elapsed);
        var summaryJson = SummaryJson(summary, device);
        if (metricsAfter is not null)
        {
            summaryJson["initial_eval_accuracy"] = metricsBefore?.Accuracy;
            summaryJson["eval_accuracy"] = metricsAfter.Accuracy;
            summaryJson["eval_macro_f1"] = metricsAfter.MacroF1;
            summaryJson["eval_majority_accuracy"] = metricsAfter.MajorityAccuracy;
        }
        File.WriteAllText(Path.Combine(runDir, "summary.json"), summaryJson.ToJsonString(MetricsLog.Indented));
        output.Publish();
        logger.LogInformation("Finished: steps {Steps}, {Elapsed:F1} s; outputs in {Dir}", result.Steps, clock.Elapsed.TotalSeconds, recipe.OutputDir);
        return summary;
    }

    internal static Mechanisms.Lora.LoraOptions? AttachMechanism(LlamaForCausalLM model, Recipe recipe, ILogger logger)
    {
        if (recipe.Mechanism is not (MechanismKind.Full or MechanismKind.Lora or MechanismKind.Qlora))
            return null;
        if (recipe.Mechanism == MechanismKind.Full)
        {
            foreach (var parameter in model.parameters())
                parameter.requires_grad = true;
            return null;
        }

        var options = new Mechanisms.Lora.LoraOptions
        {
            R = recipe.Lora.R,
            Alpha = recipe.Lora.Alpha,
            Dropout = recipe.Lora.Dropout,
            TargetModules = recipe.Lora.TargetModules,
            UseRsLora = recipe.Lora.UseRsLora,
            UseDora = recipe.Lora.UseDora,
        };
        var attached = LoraModel.Attach(model, options, recipe.Training.Seed);
        logger.LogInformation("LoRA r={R} alpha={Alpha} (scale {Scale:G4}{RsLora}{Dora}) on {Count} layers ({Targets})",
            options.R, options.Alpha, options.Scaling, options.UseRsLora ? ", rsLoRA" : "", options.UseDora ? ", DoRA" : "",
            attached.Count, string.Join(", ", options.TargetModules));
        return options;
    }

    /// <summary>Logs and returns accuracy and macro-F1 on the eval data for a head run; null for other runs or without eval data.</summary>
    static ClassificationMetrics? ClassificationReport(LlamaForCausalLM model, AttachedMechanism? mechanism, IBatchSource? eval,
        Recipe recipe, ILogger logger, string when)
    {
        if (mechanism?.Head is not { } head || mechanism.Objective is not ClassifyObjective objective || eval is null)
            return null;
        var metrics = ClassificationMetrics.Evaluate(model, objective, eval, head.Labels.Count, recipe.Training.BatchSize);
        logger.LogInformation("eval {When}: accuracy {Accuracy:F4}, macro-F1 {MacroF1:F4} on {Count} examples (majority class {Majority:F4})",
            when, metrics.Accuracy, metrics.MacroF1, metrics.Examples, metrics.MajorityAccuracy);
        return metrics;
    }

    static void Report(ILogger logger, string split, TokenizedDataset data, int maxLength, int contextWindow)
    {
        logger.LogInformation("{Split}: {Count} examples, {Truncated} truncated to max_length {MaxLength}",
            split, data.Examples.Count, data.TruncatedCount, maxLength);
        if (data.DroppedCount > 0)
            logger.LogWarning("{Split}: dropped {Dropped} examples whose prompt fills max_length {MaxLength} and leaves no response token; raise data.max_length to keep them",
                split, data.DroppedCount, maxLength);
        if (data.LongerThanContextCount > 0 && maxLength > contextWindow)
            logger.LogWarning("{Split}: {Count} examples are longer than the model's context window of {Window} tokens, and data.max_length {MaxLength} does not cut them to fit; lower data.max_length",
                split, data.LongerThanContextCount, contextWindow, maxLength);
    }

    /// <summary>The summary.json fields that SFT, CPT, classification and preference runs share; each adds its own metrics after them.</summary>
    internal static JsonObject SummaryJson(RunSummary summary, Device device)
    {
        var json = new JsonObject();
        PeakMemory.WriteTo(json, device);
        json["steps"] = summary.Result.Steps;
        json["final_loss"] = summary.Result.LastLoss;
        json["initial_eval_loss"] = summary.InitialEvalLoss;
        json["final_eval_loss"] = summary.Result.EvalLoss;
        json["trainable_parameters"] = summary.Parameters.Trainable;
        json["total_parameters"] = summary.Parameters.Total;
        json["seconds"] = Math.Round(summary.Elapsed.TotalSeconds, 1);
        return json;
    }
}
