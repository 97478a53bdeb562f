namespace SharpTune.ChatTemplates;

/// <summary>
/// A parsed Hugging Face chat template (the Jinja2 <c>chat_template</c> of <c>tokenizer_config.json</c>), rendered
/// as transformers' <c>apply_chat_template(..., tokenize=False)</c> renders it.
/// </summary>
/// <remarks>docs/chat-templates.md lists the supported Jinja2 constructs.</remarks>
public sealed class ChatTemplate
{
    readonly IReadOnlyList<Statement> _statements;

    /// <summary>The template source.</summary>
    public string Source { get; }

    ChatTemplate(string source, IReadOnlyList<Statement> statements)
    {
        Source = source;
        _statements = statements;
    }

    /// <summary>Parses a template.</summary>
    /// <exception cref="ChatTemplateException">The template has a syntax error or uses an unsupported tag.</exception>
    public static ChatTemplate Parse(string source) => new(source, TemplateParser.Parse(source));

    /// <summary>
    /// Renders with the variables transformers passes: <c>messages</c>, <c>tools</c> and <c>documents</c> (None when
    /// absent, so they are always defined), <c>add_generation_prompt</c>, then the special tokens the tokenizer has,
    /// then <see cref="ChatTemplateInput.Variables"/>.
    /// </summary>
    /// <param name="input">Messages, tools, flags and special tokens.</param>
    /// <param name="now">Clock for <c>strftime_now</c>; defaults to the local time, as in transformers.</param>
    /// <exception cref="ChatTemplateException">The template raised or failed; see <see cref="ChatTemplateException.RaisedByTemplate"/>.</exception>
    public string Render(ChatTemplateInput input, Func<DateTime>? now = null)
    {
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = input.Messages,
            ["tools"] = input.Tools,
            ["documents"] = input.Documents,
            ["add_generation_prompt"] = input.AddGenerationPrompt,
        };
        if (input.BosToken is not null)
            variables["bos_token"] = input.BosToken;
        if (input.EosToken is not null)
            variables["eos_token"] = input.EosToken;
        foreach (var (name, value) in input.Variables ?? new Dictionary<string, object?>())
            variables[name] = value;
        return Render(variables, now);
    }

    /// <summary>Renders with exactly <paramref name="variables"/>, which are template values (see <see cref="PyOps"/>).</summary>
    public string Render(IReadOnlyDictionary<string, object?> variables, Func<DateTime>? now = null)
    {
        var scope = new TemplateScope(null);
        foreach (var (name, value) in variables)
            scope.Set(name, value);
        var renderer = new TemplateRenderer(new TemplateEnvironment(now ?? (() => DateTime.Now)));
        return renderer.Render(_statements, scope);
    }
}

/// <summary>
/// The inputs of one <see cref="ChatTemplate.Render(ChatTemplateInput, Func{DateTime}?)"/> call, as template values:
/// messages and tools are usually <see cref="PyDict"/> lists made by <see cref="TemplateJson.FromJson"/>.
/// </summary>
public sealed record ChatTemplateInput(List<object?> Messages)
{
    /// <summary>Whether to end with the header that starts an assistant reply.</summary>
    public bool AddGenerationPrompt { get; init; }

    /// <summary>Tool definitions (a list), or null for None.</summary>
    public object? Tools { get; init; }

    /// <summary>Retrieval documents (a list), or null for None.</summary>
    public object? Documents { get; init; }

    /// <summary>The tokenizer's BOS text, or null to leave <c>bos_token</c> undefined.</summary>
    public string? BosToken { get; init; }

    /// <summary>The tokenizer's EOS text, or null to leave <c>eos_token</c> undefined.</summary>
    public string? EosToken { get; init; }

    /// <summary>Extra template variables such as <c>enable_thinking</c>; they override the ones above.</summary>
    public IReadOnlyDictionary<string, object?>? Variables { get; init; }
}
