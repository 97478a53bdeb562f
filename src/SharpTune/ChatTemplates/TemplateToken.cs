namespace SharpTune.ChatTemplates;

/// <summary>Kinds of template tokens, as in Jinja2's lexer.</summary>
enum TokenKind
{
    Data,
    VariableBegin,
    VariableEnd,
    BlockBegin,
    BlockEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    EndOfTemplate,
}

/// <summary>One token; <see cref="Value"/> is the unescaped text of a string literal and the raw text otherwise.</summary>
sealed record TemplateToken(TokenKind Kind, string Value, int Line)
{
    public bool Is(TokenKind kind, string value) => Kind == kind && Value == value;

    public bool IsName(string value) => Is(TokenKind.Name, value);

    public bool IsOperator(string value) => Is(TokenKind.Operator, value);

    public override string ToString() => Kind switch
    {
        TokenKind.EndOfTemplate => "end of template",
        TokenKind.BlockEnd => "end of statement block",
        TokenKind.VariableEnd => "end of print statement",
        _ => $"'{Value}'",
    };
}
