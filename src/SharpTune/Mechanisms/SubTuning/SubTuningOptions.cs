namespace SharpTune.Mechanisms.SubTuning;

/// <summary>
/// SubTuning settings (Kaplun et al., 2023): train only the decoder layers that matter most for the task, found by
/// an importance score on a calibration batch. Recipe section <c>subtuning</c>.
/// </summary>
public sealed record SubTuningOptions
{
    /// <summary>Number of decoder layers to train. Key <c>subtuning.top_k</c>, default 1.</summary>
    public int TopK { get; init; } = 1;

    /// <summary>Training examples in the calibration batch that scores the layers. Key <c>subtuning.calibration_examples</c>, default 16.</summary>
    public int CalibrationExamples { get; init; } = 16;
}
