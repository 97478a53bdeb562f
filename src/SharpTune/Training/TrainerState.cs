namespace SharpTune.Training;

/// <summary>Progress of a run, saved in each checkpoint's <c>trainer_state.json</c>.</summary>
public sealed record TrainerState
{
    /// <summary>Optimizer steps completed; also the learning-rate schedule's position.</summary>
    public int GlobalStep { get; init; }
    /// <summary>Micro-batches consumed, which fixes the data position (see <see cref="BatchOrder"/>).</summary>
    public long MicroBatchesConsumed { get; init; }
    public int TotalSteps { get; init; }
    public long Seed { get; init; }
}
