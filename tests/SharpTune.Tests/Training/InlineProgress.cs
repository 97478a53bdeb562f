using SharpTune.Training;

namespace SharpTune.Tests.Training;

/// <summary>
/// Calls a handler on the training thread for each step. <see cref="Progress{T}"/> would post to the thread pool,
/// so a cancellation requested there could land after a later step.
/// </summary>
public sealed class InlineProgress(Action<TrainingProgress> handler) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => handler(value);

    /// <summary>Returns a progress sink that cancels <paramref name="cancel"/> once step <paramref name="step"/> has finished.</summary>
    public static InlineProgress CancelAfter(int step, CancellationTokenSource cancel) =>
        new(progress =>
        {
            if (progress.Step == step)
                cancel.Cancel();
        });
}
