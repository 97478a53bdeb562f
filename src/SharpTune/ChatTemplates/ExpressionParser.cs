using System.Globalization;

namespace SharpTune.ChatTemplates;

// Expressions with Jinja2's precedence, lowest first: inline if, or, and, not, comparisons (including in and
// not in), + and -, ~, * / // %, **, unary - and +, then primaries with postfix ., [], (), filters and tests.
sealed partial class TemplateParser
{
    static readonly HashSet<string> ComparisonOperators = ["==", "!=", "<", ">", "<=", ">="];

    // Jinja2's parse_tuple: one expression, or a tuple when commas follow.
    Expression ParseTuple(bool withConditional = true, bool explicitParentheses = false)
    {
        var line = Current.Line;
        var items = new List<Expression>();
        var isTuple = false;
        while (true)
        {
            if (items.Count > 0)
                Expect(TokenKind.Operator, ",");
            if (IsTupleEnd())
                break;
            items.Add(withConditional ? ParseExpression() : ParseOr());
            if (Current.IsOperator(","))
                isTuple = true;
            else
                break;
        }
        if (!isTuple)
        {
            if (items.Count == 1)
                return items[0];
            if (!explicitParentheses)
                throw ChatTemplateException.Syntax(line, $"expected an expression, got {Current}");
        }
        return new TupleExpression(items, line);
    }

    bool IsTupleEnd() =>
        Current.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd or TokenKind.EndOfTemplate
        || Current.IsOperator(")");

    Expression ParseExpression()
    {
        var expression = ParseOr();
        while (SkipIf(TokenKind.Name, "if"))
        {
            var condition = ParseOr();
            var whenFalse = SkipIf(TokenKind.Name, "else") ? ParseExpression() : null;
            expression = new ConditionalExpression(condition, expression, whenFalse, expression.Line);
        }
        return expression;
    }

    Expression ParseOr()
    {
        var left = ParseAnd();
        while (SkipIf(TokenKind.Name, "or"))
            left = new BinaryExpression("or", left, ParseAnd(), left.Line);
        return left;
    }

    Expression ParseAnd()
    {
        var left = ParseNot();
        while (SkipIf(TokenKind.Name, "and"))
            left = new BinaryExpression("and", left, ParseNot(), left.Line);
        return left;
    }

    Expression ParseNot()
    {
        var line = Current.Line;
        if (SkipIf(TokenKind.Name, "not"))
            return new UnaryExpression("not", ParseNot(), line);
        return ParseCompare();
    }

    Expression ParseCompare()
    {
        var first = ParseMath1();
        var rest = new List<(string, Expression)>();
        while (true)
        {
            if (Current.Kind == TokenKind.Operator && ComparisonOperators.Contains(Current.Value))
                rest.Add((Advance().Value, ParseMath1()));
            else if (SkipIf(TokenKind.Name, "in"))
                rest.Add(("in", ParseMath1()));
            else if (Current.IsName("not") && Peek().IsName("in"))
            {
                _position += 2;
                rest.Add(("not in", ParseMath1()));
            }
            else
                break;
        }
        return rest.Count == 0 ? first : new CompareExpression(first, rest, first.Line);
    }

    Expression ParseMath1()
    {
        var left = ParseConcat();
        while (Current.IsOperator("+") || Current.IsOperator("-"))
            left = new BinaryExpression(Advance().Value, left, ParseConcat(), left.Line);
        return left;
    }

    Expression ParseConcat()
    {
        var parts = new List<Expression> { ParseMath2() };
        while (SkipIf(TokenKind.Operator, "~"))
            parts.Add(ParseMath2());
        return parts.Count == 1 ? parts[0] : new ConcatExpression(parts, parts[0].Line);
    }

    Expression ParseMath2()
    {
        var left = ParsePow();
        while (Current.IsOperator("*") || Current.IsOperator("/") || Current.IsOperator("//") || Current.IsOperator("%"))
            left = new BinaryExpression(Advance().Value, left, ParsePow(), left.Line);
        return left;
    }

    Expression ParsePow()
    {
        var left = ParseUnary();
        while (SkipIf(TokenKind.Operator, "**"))
            left = new BinaryExpression("**", left, ParseUnary(), left.Line);
        return left;
    }

    Expression ParseUnary(bool withFilter = true)
    {
        var line = Current.Line;
        Expression node;
        if (SkipIf(TokenKind.Operator, "-"))
            node = new UnaryExpression("-", ParseUnary(withFilter: false), line);
        else if (SkipIf(TokenKind.Operator, "+"))
            node = new UnaryExpression("+", ParseUnary(withFilter: false), line);
        else
            node = ParsePostfix(ParsePrimary());
        return withFilter ? ParseFilterExpression(node) : node;
    }

    Expression ParsePrimary()
    {
        var token = Advance();
        switch (token.Kind)
        {
            case TokenKind.Name:
                return token.Value switch
                {
                    "true" or "True" => new LiteralExpression(true, token.Line),
                    "false" or "False" => new LiteralExpression(false, token.Line),
                    "none" or "None" => new LiteralExpression(null, token.Line),
                    _ => new NameExpression(token.Value, token.Line),
                };
            case TokenKind.String:
                var text = token.Value;
                while (Current.Kind == TokenKind.String)
                    text += Advance().Value;
                return new LiteralExpression(text, token.Line);
            case TokenKind.Integer:
                return new LiteralExpression(long.Parse(token.Value, CultureInfo.InvariantCulture), token.Line);
            case TokenKind.Float:
                return new LiteralExpression(double.Parse(token.Value, CultureInfo.InvariantCulture), token.Line);
            case TokenKind.Operator when token.Value == "(":
                var inner = ParseTuple(explicitParentheses: true);
                Expect(TokenKind.Operator, ")");
                return inner;
            case TokenKind.Operator when token.Value == "[":
                return new ListExpression(ParseItems("]"), token.Line);
            case TokenKind.Operator when token.Value == "{":
                return ParseDict(token.Line);
            default:
                throw ChatTemplateException.Syntax(token.Line, $"unexpected {token}");
        }
    }

    List<Expression> ParseItems(string close)
    {
        var items = new List<Expression>();
        while (!SkipIf(TokenKind.Operator, close))
        {
            if (items.Count > 0)
            {
                Expect(TokenKind.Operator, ",");
                if (SkipIf(TokenKind.Operator, close))
                    break;
            }
            items.Add(ParseExpression());
        }
        return items;
    }

    Expression ParseDict(int line)
    {
        var items = new List<(Expression, Expression)>();
        while (!SkipIf(TokenKind.Operator, "}"))
        {
            if (items.Count > 0)
            {
                Expect(TokenKind.Operator, ",");
                if (SkipIf(TokenKind.Operator, "}"))
                    break;
            }
            var key = ParseExpression();
            Expect(TokenKind.Operator, ":");
            items.Add((key, ParseExpression()));
        }
        return new DictExpression(items, line);
    }

    Expression ParsePostfix(Expression node)
    {
        while (true)
        {
            if (Current.IsOperator(".") || Current.IsOperator("["))
                node = ParseSubscript(node);
            else if (Current.IsOperator("("))
                node = ParseCall(node);
            else
                return node;
        }
    }

    Expression ParseSubscript(Expression node)
    {
        var token = Advance();
        if (token.Value == ".")
        {
            var attribute = Advance();
            if (attribute.Kind == TokenKind.Name)
                return new AttributeExpression(node, attribute.Value, token.Line);
            if (attribute.Kind == TokenKind.Integer)
                return new ItemExpression(node, new LiteralExpression(long.Parse(attribute.Value, CultureInfo.InvariantCulture), token.Line), token.Line);
            throw ChatTemplateException.Syntax(token.Line, $"expected an attribute name, got {attribute}");
        }

        var subscripts = new List<Expression>();
        while (!SkipIf(TokenKind.Operator, "]"))
        {
            if (subscripts.Count > 0)
                Expect(TokenKind.Operator, ",");
            subscripts.Add(ParseSubscribed());
        }
        if (subscripts.Count == 1 && subscripts[0] is SliceExpression slice)
            return slice with { Target = node };
        var key = subscripts.Count == 1 ? subscripts[0] : new TupleExpression(subscripts, token.Line);
        return new ItemExpression(node, key, token.Line);
    }

    // One subscript: an expression, or a slice start:stop:step with each part optional. A slice comes back as a
    // SliceExpression whose target the caller fills in.
    Expression ParseSubscribed()
    {
        var line = Current.Line;
        Expression? start = null;
        if (!Current.IsOperator(":"))
        {
            start = ParseExpression();
            if (!Current.IsOperator(":"))
                return start;
        }
        Advance();
        Expression? stop = null, step = null;
        if (!Current.IsOperator("]") && !Current.IsOperator(",") && !Current.IsOperator(":"))
            stop = ParseExpression();
        if (SkipIf(TokenKind.Operator, ":") && !Current.IsOperator("]") && !Current.IsOperator(","))
            step = ParseExpression();
        return new SliceExpression(new LiteralExpression(null, line), start, stop, step, line);
    }

    Expression ParseCall(Expression target)
    {
        var line = Advance().Line;
        var (positional, named) = ParseCallArguments();
        return new CallExpression(target, positional, named, line);
    }

    // Parses arguments after an opening parenthesis, through the closing one.
    (List<Expression> Positional, List<(string, Expression)> Named) ParseCallArguments()
    {
        var positional = new List<Expression>();
        var named = new List<(string, Expression)>();
        while (!SkipIf(TokenKind.Operator, ")"))
        {
            if (positional.Count + named.Count > 0)
            {
                Expect(TokenKind.Operator, ",");
                if (SkipIf(TokenKind.Operator, ")"))
                    break;
            }
            if (Current.IsOperator("*") || Current.IsOperator("**"))
                throw ChatTemplateException.Syntax(Current.Line, "*args and **kwargs in calls are not supported");
            if (Current.Kind == TokenKind.Name && Peek().IsOperator("="))
            {
                var name = Advance().Value;
                Advance();
                named.Add((name, ParseExpression()));
            }
            else
            {
                if (named.Count > 0)
                    throw ChatTemplateException.Syntax(Current.Line, "positional argument after a keyword argument");
                positional.Add(ParseExpression());
            }
        }
        return (positional, named);
    }

    Expression ParseFilterExpression(Expression node)
    {
        while (true)
        {
            if (Current.IsOperator("|"))
                node = ParseFilter(node);
            else if (Current.IsName("is"))
                node = ParseTest(node);
            else if (Current.IsOperator("("))
                node = ParseCall(node);
            else
                return node;
        }
    }

    Expression ParseFilter(Expression node)
    {
        var line = Advance().Line;
        var name = Expect(TokenKind.Name).Value;
        while (SkipIf(TokenKind.Operator, "."))
            name += "." + Expect(TokenKind.Name).Value;
        List<Expression> positional = [];
        List<(string, Expression)> named = [];
        if (SkipIf(TokenKind.Operator, "("))
            (positional, named) = ParseCallArguments();
        return new FilterExpression(node, name, positional, named, line);
    }

    Expression ParseTest(Expression node)
    {
        var line = Advance().Line;
        var negated = SkipIf(TokenKind.Name, "not");
        var name = Expect(TokenKind.Name).Value;
        while (SkipIf(TokenKind.Operator, "."))
            name += "." + Expect(TokenKind.Name).Value;

        var arguments = new List<Expression>();
        if (SkipIf(TokenKind.Operator, "("))
        {
            var (positional, named) = ParseCallArguments();
            if (named.Count > 0)
                throw ChatTemplateException.Syntax(line, "keyword arguments to tests are not supported");
            arguments = positional;
        }
        else if (StartsTestArgument())
        {
            if (Current.IsName("is"))
                throw ChatTemplateException.Syntax(line, "you cannot chain multiple tests with is");
            arguments.Add(ParsePostfix(ParsePrimary()));
        }
        return new TestExpression(node, name, arguments, negated, line);
    }

    // Jinja2 takes one argument without parentheses (`x is divisibleby 3`) when a name, literal or bracket
    // follows, unless that name is else, or or and.
    bool StartsTestArgument() =>
        Current.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
            || Current.IsOperator("(") || Current.IsOperator("[") || Current.IsOperator("{")
        ? !(Current.IsName("else") || Current.IsName("or") || Current.IsName("and"))
        : false;
}
