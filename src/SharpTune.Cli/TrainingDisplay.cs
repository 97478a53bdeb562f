using Spectre.Console;
using SharpTune.Training;

namespace SharpTune.Cli;

/// <summary>
/// Shows training progress: a live bar (step, loss, learning rate, tokens/s, ETA) on an interactive terminal,
/// plain log lines when output is redirected (CI logs, files).
/// </summary>
public static class TrainingDisplay
{
    public static RunSummary Run(Func<IProgress<TrainingProgress>, RunSummary> run)
    {
        if (Console.IsErrorRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
            return run(new InlineProgress(WriteLine));

        RunSummary? summary = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("training", maxValue: 1);
                summary = run(new InlineProgress(p =>
                {
                    task.MaxValue = p.TotalSteps;
                    task.Value = p.Step;
                    task.Description = $"step {p.Step}/{p.TotalSteps} loss {p.Loss:F4} lr {p.LearningRate:G3} {p.TokensPerSecond:F0} tok/s";
                }));
            });
        return summary!;
    }

    static void WriteLine(TrainingProgress p)
    {
        if (!p.IsLoggingStep)
            return;
        var remaining = p.Step == 0 ? TimeSpan.Zero : p.Elapsed / p.Step * (p.TotalSteps - p.Step);
        var eval = p.EvalLoss is double e ? $" eval_loss {e:F4}" : "";
        Console.Error.WriteLine(
            $"step {p.Step}/{p.TotalSteps} epoch {p.Epoch:F2} loss {p.Loss:F4} lr {p.LearningRate:G4} grad_norm {p.GradNorm:F3} " +
            $"{p.TokensPerSecond:F0} tok/s eta {remaining:hh\\:mm\\:ss}{eval}");
    }

    public static void PrintSummary(RunSummary summary)
    {
        var r = summary.Result;
        var before = summary.InitialEvalLoss is double b ? $"{b:F4}" : "n/a";
        var after = r.EvalLoss is double a ? $"{a:F4}" : "n/a";
        if (r.Interrupted)
        {
            Console.Error.WriteLine(r.Steps > 0 && !r.Resumable
                ? $"Stopped at step {r.Steps}/{r.TotalSteps} without a checkpoint; run again to start over."
                : r.Steps > 0
                ? $"Stopped at step {r.Steps}/{r.TotalSteps}; continue with --resume."
                : "Stopped before the first step, so no checkpoint was written; run again without --resume.");
            return;
        }
        var evalPart = summary.InitialEvalLoss is null && r.EvalLoss is null ? "" : $", eval_loss {before} -> {after}";
        var steps = r.Steps == 1 ? "1 step" : $"{r.Steps} steps";
        Console.Error.WriteLine($"Done: {steps} in {summary.Elapsed.TotalSeconds:F1} s{evalPart}, outputs in {summary.OutputDir}");
    }

    /// <summary>Reports synchronously on the training thread; Progress&lt;T&gt; would post to the thread pool and reorder lines.</summary>
    sealed class InlineProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
