namespace SharpTune.ChatTemplates;

/// <summary>
/// Builds the statement tree of a template from its tokens: text, <c>{{ … }}</c> output, <c>if</c>/<c>elif</c>/<c>else</c>,
/// <c>for</c> (with a filter, <c>else</c>, <c>break</c> and <c>continue</c>), <c>set</c> (plain, tuple, namespace
/// attribute and block form), <c>macro</c> and transformers' <c>generation</c> block.
/// </summary>
sealed partial class TemplateParser
{
    readonly List<TemplateToken> _tokens;
    int _position;

    TemplateParser(List<TemplateToken> tokens) => _tokens = tokens;

    public static IReadOnlyList<Statement> Parse(string source)
    {
        var parser = new TemplateParser(TemplateLexer.Tokenize(source));
        var (body, end) = parser.ParseBody();
        if (end is not null)
            throw ChatTemplateException.Syntax(parser.Current.Line, $"unexpected '{end}'");
        return body;
    }

    TemplateToken Current => _tokens[_position];

    TemplateToken Peek(int offset = 1) => _tokens[Math.Min(_position + offset, _tokens.Count - 1)];

    TemplateToken Advance() => _tokens[_position++];

    TemplateToken Expect(TokenKind kind, string? value = null)
    {
        var token = Current;
        if (token.Kind != kind || (value is not null && token.Value != value))
        {
            var expected = value is not null ? $"'{value}'" : kind.ToString();
            throw ChatTemplateException.Syntax(token.Line, $"expected {expected}, got {token}");
        }
        return Advance();
    }

    bool SkipIf(TokenKind kind, string value)
    {
        if (!Current.Is(kind, value))
            return false;
        _position++;
        return true;
    }

    // Parses statements until a block tag named in endTags and returns the body with that tag's name, or null
    // at the end of the template. The tag name is consumed, so the caller continues after it.
    (List<Statement> Body, string? EndTag) ParseBody(params string[] endTags)
    {
        var body = new List<Statement>();
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.EndOfTemplate:
                    if (endTags.Length > 0)
                        throw ChatTemplateException.Syntax(token.Line, $"unexpected end of template, expected '{endTags[^1]}'");
                    return (body, null);
                case TokenKind.Data:
                    body.Add(new TextStatement(token.Value, token.Line));
                    Advance();
                    break;
                case TokenKind.VariableBegin:
                    Advance();
                    body.Add(new OutputStatement(ParseTuple(), token.Line));
                    Expect(TokenKind.VariableEnd);
                    break;
                case TokenKind.BlockBegin:
                    Advance();
                    var name = Expect(TokenKind.Name);
                    if (endTags.Contains(name.Value))
                        return (body, name.Value);
                    body.Add(ParseStatement(name));
                    break;
                default:
                    throw ChatTemplateException.Syntax(token.Line, $"unexpected {token}");
            }
        }
    }

    Statement ParseStatement(TemplateToken name) => name.Value switch
    {
        "if" => ParseIf(name.Line),
        "for" => ParseFor(name.Line),
        "set" => ParseSet(name.Line),
        "macro" => ParseMacro(name.Line),
        "break" => EndTag(new BreakStatement(name.Line)),
        "continue" => EndTag(new ContinueStatement(name.Line)),
        "generation" => ParseGeneration(name.Line),
        _ => throw ChatTemplateException.Syntax(name.Line,
            $"unsupported tag '{name.Value}'; supported tags are if, for, set, macro, break, continue and generation"),
    };

    Statement EndTag(Statement statement)
    {
        Expect(TokenKind.BlockEnd);
        return statement;
    }

    Statement ParseIf(int line)
    {
        var branches = new List<(Expression, IReadOnlyList<Statement>)>();
        var condition = ParseExpression();
        while (true)
        {
            Expect(TokenKind.BlockEnd);
            var (body, end) = ParseBody("elif", "else", "endif");
            branches.Add((condition, body));
            if (end == "elif")
            {
                condition = ParseExpression();
                continue;
            }
            if (end == "endif")
            {
                Expect(TokenKind.BlockEnd);
                return new IfStatement(branches, [], line);
            }
            Expect(TokenKind.BlockEnd);
            var (elseBody, _) = ParseBody("endif");
            Expect(TokenKind.BlockEnd);
            return new IfStatement(branches, elseBody, line);
        }
    }

    Statement ParseFor(int line)
    {
        var targets = ParseTargetNames();
        Expect(TokenKind.Name, "in");
        var iterable = ParseTuple(withConditional: false);
        Expression? filter = null;
        if (SkipIf(TokenKind.Name, "if"))
            filter = ParseExpression();
        if (Current.IsName("recursive"))
            throw ChatTemplateException.Syntax(Current.Line, "recursive for loops are not supported");
        Expect(TokenKind.BlockEnd);

        var (body, end) = ParseBody("else", "endfor");
        IReadOnlyList<Statement> elseBody = [];
        if (end == "else")
        {
            Expect(TokenKind.BlockEnd);
            (elseBody, _) = ParseBody("endfor");
        }
        Expect(TokenKind.BlockEnd);
        return new ForStatement(targets, iterable, filter, body, elseBody, line);
    }

    List<string> ParseTargetNames()
    {
        var parenthesized = SkipIf(TokenKind.Operator, "(");
        var names = new List<string> { Expect(TokenKind.Name).Value };
        while (SkipIf(TokenKind.Operator, ","))
        {
            if (Current.Kind != TokenKind.Name)
                break;
            names.Add(Advance().Value);
        }
        if (parenthesized)
            Expect(TokenKind.Operator, ")");
        return names;
    }

    Statement ParseSet(int line)
    {
        var first = Expect(TokenKind.Name).Value;
        if (SkipIf(TokenKind.Operator, "."))
        {
            var attribute = Expect(TokenKind.Name).Value;
            Expect(TokenKind.Operator, "=");
            return EndTag(new SetStatement([first], attribute, ParseTuple(), line));
        }

        var targets = new List<string> { first };
        while (SkipIf(TokenKind.Operator, ","))
            targets.Add(Expect(TokenKind.Name).Value);
        if (SkipIf(TokenKind.Operator, "="))
            return EndTag(new SetStatement(targets, null, ParseTuple(), line));

        if (targets.Count > 1)
            throw ChatTemplateException.Syntax(line, "a block set takes one target name");
        Expect(TokenKind.BlockEnd);
        var (body, _) = ParseBody("endset");
        Expect(TokenKind.BlockEnd);
        return new BlockSetStatement(first, body, line);
    }

    Statement ParseMacro(int line)
    {
        var name = Expect(TokenKind.Name).Value;
        Expect(TokenKind.Operator, "(");
        var parameters = new List<(string, Expression?)>();
        while (!SkipIf(TokenKind.Operator, ")"))
        {
            if (parameters.Count > 0)
                Expect(TokenKind.Operator, ",");
            if (SkipIf(TokenKind.Operator, ")"))
                break;
            var parameter = Expect(TokenKind.Name).Value;
            var fallback = SkipIf(TokenKind.Operator, "=") ? ParseExpression() : null;
            parameters.Add((parameter, fallback));
        }
        Expect(TokenKind.BlockEnd);
        var (body, _) = ParseBody("endmacro");
        if (Current.Kind == TokenKind.Name)
            Advance();
        Expect(TokenKind.BlockEnd);
        return new MacroStatement(name, parameters, body, line);
    }

    Statement ParseGeneration(int line)
    {
        Expect(TokenKind.BlockEnd);
        var (body, _) = ParseBody("endgeneration");
        Expect(TokenKind.BlockEnd);
        return new ScopeStatement(body, line);
    }
}
