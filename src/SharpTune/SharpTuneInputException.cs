namespace SharpTune;

/// <summary>
/// Bad user input: a missing or malformed file, an invalid recipe key or value, an unsupported model.
/// The CLI prints <see cref="Exception.Message"/> as one line and exits with code 2.
/// </summary>
/// <remarks>
/// Messages start with the location in compiler style, <c>path:line: field: what is wrong; what to do</c>,
/// leaving out the parts that do not apply.
/// </remarks>
public class SharpTuneInputException : Exception
{
    public SharpTuneInputException(string message) : base(message) { }

    public SharpTuneInputException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Builds a message of the form <c>path:line: field: problem</c>.</summary>
    public static SharpTuneInputException At(string? path, long? line, string? field, string problem)
    {
        var location = path ?? "";
        if (line is not null)
            location += $":{line}";
        var prefix = location.Length > 0 ? location + ": " : "";
        if (!string.IsNullOrEmpty(field))
            prefix += field + ": ";
        return new SharpTuneInputException(prefix + problem);
    }
}
