using System.Text.Json;

namespace SharpTune.Data;

/// <summary>Shortens System.Text.Json error messages for input errors that state the location themselves.</summary>
internal static class JsonErrorText
{
    /// <summary>
    /// Returns the message without its "Path: ... | LineNumber: ... | BytePositionInLine: ..." suffix and without
    /// the advice to change reader options, which users of a data file cannot do.
    /// </summary>
    public static string Reason(JsonException ex)
    {
        var message = ex.Message.Replace(" Change the reader options.", "", StringComparison.Ordinal);
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0)
            cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut < 0 ? message : message[..cut]).TrimEnd('.', ' ');
    }
}
