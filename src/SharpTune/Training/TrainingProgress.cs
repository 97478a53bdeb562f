namespace SharpTune.Training;

/// <summary>One report per optimizer step, for progress bars and log lines.</summary>
public sealed record TrainingProgress(
    int Step, int TotalSteps, double Epoch, double Loss, double LearningRate, double GradNorm,
    double TokensPerSecond, TimeSpan Elapsed, double? EvalLoss);
