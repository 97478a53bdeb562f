namespace SharpTune.Mechanisms.Reft;

/// <summary>
/// Settings of a ReFT mechanism. One intervention per listed layer acts on that layer's output and is shared by
/// every intervened position, as pyreft does with <c>share_weights=True</c>.
/// </summary>
public sealed record ReftOptions
{
    public required ReftMethod Method { get; init; }

    /// <summary>Decoder layers whose outputs get an intervention; null means every layer.</summary>
    public IReadOnlyList<int>? Layers { get; init; }

    /// <summary>Rank of the subspace (rows of R, W, W1, W2). Not used by <see cref="ReftMethod.Brep"/>.</summary>
    public int R { get; init; } = 4;

    /// <summary>Number of prompt tokens intervened from the first real prompt token on.</summary>
    public int FirstPositions { get; init; } = 7;

    /// <summary>Number of prompt tokens intervened back from the last real prompt token.</summary>
    public int LastPositions { get; init; } = 7;

    /// <summary>BREP: generated (response) tokens after the prompt that are intervened as well.</summary>
    public int GeneratedPositions { get; init; } = 4;

    /// <summary>DII: token ids of the source prompt whose subspace replaces the base run's.</summary>
    public IReadOnlyList<long>? SourceIds { get; init; }

    /// <summary>The layers as given, or every layer of a model with <paramref name="layerCount"/> layers.</summary>
    public IReadOnlyList<int> LayersOf(int layerCount) => Layers ?? Enumerable.Range(0, layerCount).ToArray();
}
