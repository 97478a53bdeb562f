namespace SharpTune.Data;

/// <summary>
/// Location of a record in its data file: the path, the 1-based line where the record starts and, for a JSON array
/// file, the record's 0-based index in the array. Several array items can share a line, so errors name the index too.
/// </summary>
public readonly record struct RecordSource(string Path, int Line, int? Item = null)
{
    /// <summary>Formats the location as <c>path:line</c>, the form error messages use.</summary>
    public override string ToString() => $"{Path}:{Line}";

    /// <summary>
    /// An input error at this record, for <paramref name="field"/> (null or empty for the whole record). In an array
    /// file the field is prefixed with the item index in JSON path form, <c>[3].prompt</c>.
    /// </summary>
    public SharpTuneInputException Error(string? field, string problem) =>
        SharpTuneInputException.At(Path, Line, Item is int item
            ? string.IsNullOrEmpty(field) ? $"[{item}]" : $"[{item}].{field}"
            : field, problem);
}
