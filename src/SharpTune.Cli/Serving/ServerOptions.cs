namespace SharpTune.Cli.Serving;

/// <summary>Settings of <c>sharptune serve</c>.</summary>
public sealed record ServerOptions
{
    public required string ModelDir { get; init; }
    /// <summary>Adapter folders by the name that requests select them with.</summary>
    public IReadOnlyDictionary<string, string> Adapters { get; init; } = new Dictionary<string, string>();
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; } = 8000;
    /// <summary>Bearer token for the admin endpoints; null disables them.</summary>
    public string? AdminToken { get; init; }
    /// <summary>Maximum number of adapter model copies kept loaded, besides the base model.</summary>
    public int MaxLoadedAdapters { get; init; } = 4;
}
