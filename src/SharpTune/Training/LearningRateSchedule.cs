using SharpTune.Recipes;

namespace SharpTune.Training;

/// <summary>
/// Linear warmup from 0, then cosine or linear decay to 0, or a constant rate. The multiplier for optimizer
/// step s (0-based) matches transformers' <c>get_*_schedule_with_warmup</c>, whose scheduler steps after the optimizer.
/// </summary>
public static class LearningRateSchedule
{
    public static double At(LrSchedulerKind kind, int step, int warmupSteps, int totalSteps, double peak)
    {
        if (step < warmupSteps)
            return peak * step / Math.Max(1, warmupSteps);
        double progress = (double)(step - warmupSteps) / Math.Max(1, totalSteps - warmupSteps);
        return kind switch
        {
            LrSchedulerKind.Constant => peak,
            LrSchedulerKind.Linear => peak * Math.Max(0.0, 1.0 - progress),
            LrSchedulerKind.Cosine => peak * Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * progress))),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown learning-rate schedule."),
        };
    }
}
