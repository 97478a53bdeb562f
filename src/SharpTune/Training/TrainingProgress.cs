namespace SharpTune.Training;

/// <summary>
/// One report per optimizer step, for progress bars and log lines. <c>IsLoggingStep</c> marks the steps that
/// <c>training.logging_steps</c> selects for log lines, and steps with an evaluation.
/// </summary>
public sealed record TrainingProgress(
    int Step, int TotalSteps, double Epoch, double Loss, double LearningRate, double GradNorm,
    double TokensPerSecond, TimeSpan Elapsed, double? EvalLoss, bool IsLoggingStep);
