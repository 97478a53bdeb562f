namespace SharpTune.ChatTemplates;

/// <summary>
/// A chat template failed: a syntax error, an undefined value used in an operation, a type error, or a call to
/// the template's own <c>raise_exception(message)</c> (then <see cref="RaisedByTemplate"/> is true and the message
/// is the template's text, as in Jinja2's <c>TemplateError</c>).
/// </summary>
public class ChatTemplateException : Exception
{
    /// <summary>Whether the template itself raised this error through <c>raise_exception</c>.</summary>
    public bool RaisedByTemplate { get; }

    public ChatTemplateException(string message, bool raisedByTemplate = false) : base(message) =>
        RaisedByTemplate = raisedByTemplate;

    /// <summary>Builds a syntax error that names the template line.</summary>
    public static ChatTemplateException Syntax(int line, string problem) =>
        new($"chat template syntax error at line {line}: {problem}");
}
