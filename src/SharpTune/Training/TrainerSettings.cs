namespace SharpTune.Training;

/// <summary>Optimisation settings of a run; names follow transformers' TrainingArguments.</summary>
public sealed record TrainerSettings
{
    public int Epochs { get; init; } = 1;
    /// <summary>Total optimizer steps; when set it overrides <see cref="Epochs"/>.</summary>
    public int? MaxSteps { get; init; }
    public int BatchSize { get; init; } = 4;
    public int GradientAccumulationSteps { get; init; } = 1;
    public double LearningRate { get; init; } = 2e-4;
    /// <summary>cosine, linear or constant.</summary>
    public string LrScheduler { get; init; } = "cosine";
    public int WarmupSteps { get; init; }
    public double WeightDecay { get; init; }
    /// <summary>Clip the global gradient norm to this value; 0 disables clipping.</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    public long Seed { get; init; } = 42;
    public int? EvalSteps { get; init; }
    public int? SaveSteps { get; init; }
    public int LoggingSteps { get; init; } = 1;
}
