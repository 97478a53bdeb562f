using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SharpTune.Data;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using SharpTune.Recipes;
using SharpTune.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>How a call to <see cref="Trainer.Train"/> ended.</summary>
/// <param name="Steps">Optimizer steps done, counting those before a resume.</param>
/// <param name="TotalSteps">Optimizer steps the run was set to do.</param>
/// <param name="LastLoss">Loss of the last step, or null before the first.</param>
/// <param name="EvalLoss">The last evaluation loss, or null without evaluation data.</param>
/// <param name="Interrupted">Whether cancellation stopped the run before <paramref name="TotalSteps"/>.</param>
/// <param name="Resumable">Whether an interrupted run left a checkpoint that <c>--resume</c> continues from.</param>
public sealed record TrainingResult(int Steps, int TotalSteps, double? LastLoss, double? EvalLoss, bool Interrupted, bool Resumable = true);

/// <summary>
/// The training loop shared by every objective: micro-batches, gradient accumulation, clipping, AdamW,
/// learning-rate schedule, evaluation, checkpoints and metrics.
/// </summary>
/// <remarks>
/// With gradient accumulation the loss of every micro-batch is divided by the number of target tokens in the
/// whole accumulated batch, so batch 8 × 1 and batch 2 × 4 give the same update. A mean of per-micro-batch means
/// would weight short micro-batches more.
/// </remarks>
public sealed class Trainer
{
    readonly LlamaForCausalLM model;
    readonly TrainingOptions settings;
    readonly IBatchSource train;
    readonly IBatchSource? eval;
    readonly string runDir;
    readonly ILogger logger;
    readonly MetricsLog metrics;
    readonly ITrainingObjective objective;
    GradScaler? scaler;

    /// <remarks>Without a <paramref name="scaler"/>, a run whose trainable parameters include float16 gets one with the default scale.</remarks>
    public Trainer(LlamaForCausalLM model, TrainingOptions settings, IBatchSource train, IBatchSource? eval,
        string runDir, ILogger? logger = null, ITrainingObjective? objective = null, GradScaler? scaler = null)
    {
        this.scaler = scaler;
        this.objective = objective ?? CausalLmObjective.Instance;
        this.model = model;
        this.settings = settings;
        this.train = train;
        this.eval = eval;
        this.runDir = runDir;
        this.logger = logger ?? NullLogger.Instance;
        Directory.CreateDirectory(runDir);
        metrics = new MetricsLog(Path.Combine(runDir, "metrics.jsonl"));
    }

    public string MetricsPath => Path.Combine(runDir, "metrics.jsonl");

    /// <summary>
    /// Called with (step, total steps) after each optimizer step, before the gradients are cleared; a mechanism
    /// uses it to enforce a constraint on its parameters, such as diff pruning's sparsity budget.
    /// </summary>
    public Action<int, int>? AfterStep { get; init; }

    /// <summary>Optimizer steps for the whole run: max_steps, else epochs × steps per epoch.</summary>
    public int TotalSteps(BatchOrder order) => settings.MaxSteps
        ?? settings.Epochs * ((order.MicroBatchesPerEpoch + settings.GradientAccumulationSteps - 1) / settings.GradientAccumulationSteps);

    /// <summary>
    /// Trains to the end or until <paramref name="cancel"/> fires (checked between steps). With
    /// <paramref name="resume"/> it continues from the latest checkpoint in the run folder.
    /// </summary>
    public TrainingResult Train(bool resume = false, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad)
            .Concat(objective.ExtraParameters.Select(p => (name: p.Name, parameter: p.Parameter))).ToList();
        if (trainable.Count == 0)
            throw new InvalidOperationException("The model has no trainable parameters.");
        using var optimizer = CreateOptimizer(trainable);
        // NOTE: checkpoints do not store the loss scale, so a resumed fp16 run starts again from 2^16.
        if (scaler is null && trainable.Any(p => p.parameter.dtype == ScalarType.Float16))
            scaler = new GradScaler();
        var order = new BatchOrder(train.Count, settings.BatchSize, settings.Seed);
        int totalSteps = TotalSteps(order);

        model.model.GradientCheckpointing = settings.GradientCheckpointing;
        torch.random.manual_seed(settings.Seed);
        var state = new TrainerState { TotalSteps = totalSteps, Seed = settings.Seed };
        if (resume)
            state = ResumeFrom(trainable, optimizer, state);
        else if (File.Exists(MetricsPath))
            File.Delete(MetricsPath);

        // An evaluation before the first step gives the baseline that the run is judged against.
        if (!resume && eval is not null)
        {
            double baseline = Evaluate(eval);
            metrics.Append(new JsonObject { ["step"] = 0, ["eval_loss"] = baseline });
            logger.LogInformation("step 0: eval_loss {EvalLoss:F4}", baseline);
        }

        model.train();
        var clock = Stopwatch.StartNew();
        double? lastLoss = null, evalLoss = null;
        long microBatches = state.MicroBatchesConsumed;
        int step = state.GlobalStep;
        int savedStep = step;

        while (step < totalSteps)
        {
            if (cancel.IsCancellationRequested)
            {
                // Save where we stopped, so --resume continues from this step rather than the last save_steps one.
                if (step > savedStep)
                    Checkpoint.Save(runDir, state, trainable.Select(p => (p.name, p.parameter)), optimizer);
                return new TrainingResult(step, totalSteps, lastLoss, evalLoss, Interrupted: true);
            }

            var stepClock = Stopwatch.StartNew();
            var (loss, tokens, epoch) = AccumulateGradients(order, ref microBatches);
            double? lossScale = scaler?.Scale;
            bool finite = scaler?.Unscale(trainable.Select(p => p.parameter)) ?? true;
            double gradNorm = finite ? GradientClipping.ClipByGlobalNorm(trainable.Select(p => p.parameter), settings.MaxGradNorm) : double.NaN;
            double lr = LearningRateSchedule.At(settings.LrScheduler, step, settings.WarmupSteps, totalSteps, settings.LearningRate);
            if (finite)
                optimizer.Step(lr, settings.WeightDecay);
            else
                logger.LogWarning("step {Step}: gradients overflowed at loss scale {Scale}; skipped the update and halved the scale", step + 1, lossScale);
            scaler?.Update(finite);
            AfterStep?.Invoke(step + 1, totalSteps);
            optimizer.ZeroGrad();
            step++;
            lastLoss = loss;

            double tokensPerSecond = tokens / Math.Max(1e-9, stepClock.Elapsed.TotalSeconds);
            double epochProgress = (double)microBatches / order.MicroBatchesPerEpoch;
            bool isLoggingStep = step % settings.LoggingSteps == 0 || step == totalSteps;
            if (isLoggingStep)
            {
                var record = new JsonObject
                {
                    ["step"] = step,
                    ["epoch"] = Math.Round(epochProgress, 4),
                    // JSON has no inf or NaN; an overflowed fp16 step can produce either.
                    ["loss"] = double.IsFinite(loss) ? loss : null,
                    ["learning_rate"] = lr,
                    ["grad_norm"] = finite ? gradNorm : null,
                    ["tokens_per_second"] = Math.Round(tokensPerSecond, 1),
                };
                if (lossScale is double scale)
                    record["loss_scale"] = scale;
                if (!finite)
                    record["skipped"] = true;
                PeakMemory.WriteTo(record, model.Device);
                metrics.Append(record);
            }

            double? stepEval = null;
            if (eval is not null && (step == totalSteps || (settings.EvalSteps is int every && step % every == 0)))
            {
                stepEval = evalLoss = Evaluate(eval);
                metrics.Append(new JsonObject { ["step"] = step, ["eval_loss"] = stepEval });
                logger.LogInformation("step {Step}: eval_loss {EvalLoss:F4}", step, stepEval);
            }

            state = state with { GlobalStep = step, MicroBatchesConsumed = microBatches };
            if (step == totalSteps || (settings.SaveSteps is int save && step % save == 0))
            {
                Checkpoint.Save(runDir, state, trainable.Select(p => (p.name, p.parameter)), optimizer);
                savedStep = step;
            }

            progress?.Report(new TrainingProgress(step, totalSteps, epochProgress, loss, lr, gradNorm, tokensPerSecond, clock.Elapsed, stepEval,
                isLoggingStep || stepEval is not null));
        }
        return new TrainingResult(step, totalSteps, lastLoss, evalLoss, Interrupted: false);
    }

    /// <summary>Runs one optimizer step's micro-batches forward and backward; returns the token-mean loss.</summary>
    (double Loss, long Tokens, int Epoch) AccumulateGradients(BatchOrder order, ref long microBatches)
    {
        var batches = new List<Batch>();
        int epoch = 0;
        try
        {
            for (int i = 0; i < settings.GradientAccumulationSteps; i++)
            {
                var (indices, e) = order.MicroBatch(microBatches++);
                epoch = e;
                batches.Add(train.Collate(indices));
            }
            long targetTokens = batches.Sum(objective.TermCount);
            double divisor = Math.Max(1, targetTokens);
            double lossSum = 0;
            long inputTokens = 0;
            foreach (var batch in batches)
            {
                using var scope = NewDisposeScope();
                var sum = objective.LossSum(model, batch);
                PeakMemory.Sample(model.Device); // After the forward pass, when activations are largest.
                (sum / divisor * (scaler?.Scale ?? 1.0)).backward();
                lossSum += sum.item<float>();
                inputTokens += batch.SegmentIds.ne(0).sum().item<long>();
            }
            return (lossSum / divisor, inputTokens, epoch);
        }
        finally
        {
            foreach (var batch in batches)
                batch.Dispose();
        }
    }

    /// <summary>Token-weighted mean next-token loss over a data set, without gradients.</summary>
    public double Evaluate(IBatchSource source) => BatchForward.MeanLoss(model, source, settings.BatchSize, objective).Loss;

    /// <summary>AdamW with the moments and state device that <c>training.optimizer</c> and <c>optimizer_state_device</c> ask for.</summary>
    AdamW CreateOptimizer(List<(string name, Parameter parameter)> trainable)
    {
        bool eightBit = settings.Optimizer == OptimizerKind.Adamw8bit;
        Device? stateDevice = null;
        if (settings.OptimizerStateDevice == OptimizerStateDevice.Cpu)
        {
            if (trainable.All(p => p.parameter.device.type == DeviceType.CPU))
                logger.LogInformation("training.optimizer_state_device cpu: the model is already on the CPU, so the optimizer state stays where it is");
            else
                stateDevice = CPU;
        }
        var optimizer = new AdamW(trainable, AdamW.DefaultDecayFilter, eightBit, stateDevice);
        logger.LogInformation("Optimizer {Optimizer}: moments {MomentMiB:F1} MiB, master weights {MasterMiB:F1} MiB, on {Device}",
            RecipeEnum.ToYaml(settings.Optimizer), optimizer.MomentBytes / 1048576.0, optimizer.MasterBytes / 1048576.0,
            stateDevice?.ToString() ?? "the model's device");
        return optimizer;
    }

    TrainerState ResumeFrom(List<(string name, Parameter parameter)> trainable, AdamW optimizer, TrainerState fresh)
    {
        var latest = Checkpoint.Latest(runDir);
        if (latest is null)
            throw new SharpTuneInputException($"{runDir}: no checkpoint to resume from; run without --resume to start fresh");
        var state = Checkpoint.Restore(latest, trainable.Select(p => (p.name, p.parameter)), optimizer);
        metrics.TruncateAfter(state.GlobalStep);
        logger.LogInformation("Resumed from {Checkpoint} at step {Step}", latest, state.GlobalStep);
        return state with { TotalSteps = fresh.TotalSteps };
    }
}
