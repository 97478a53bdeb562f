namespace SharpTune.Data;

/// <summary>Location of a record in its data file: the path and the 1-based line where the record starts.</summary>
public readonly record struct RecordSource(string Path, int Line)
{
    /// <summary>Formats the location as <c>path:line</c>, the form error messages use.</summary>
    public override string ToString() => $"{Path}:{Line}";
}
