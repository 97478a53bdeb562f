namespace SharpTune.Planning;

/// <summary>One line of a memory estimate, in bytes per device.</summary>
/// <param name="Component">weights, trainable parameters, gradients, optimizer states, activations, ...</param>
/// <param name="Bytes">Estimated bytes.</param>
/// <param name="Formula">How the figure was computed, with the per-parameter or per-token sizes used.</param>
public sealed record MemoryComponent(string Component, long Bytes, string Formula);

/// <summary>A memory estimate summed component by component, for one device.</summary>
public sealed record MemoryBreakdown
{
    public required IReadOnlyList<MemoryComponent> Components { get; init; }
    public required long TotalParameters { get; init; }
    public required long TrainableParameters { get; init; }
    /// <summary>Activation bytes without gradient checkpointing, whichever setting the total uses.</summary>
    public required long ActivationsWithoutCheckpointing { get; init; }
    /// <summary>Activation bytes with gradient checkpointing, whichever setting the total uses.</summary>
    public required long ActivationsWithCheckpointing { get; init; }

    public long TotalBytes => Components.Sum(c => c.Bytes);
}
