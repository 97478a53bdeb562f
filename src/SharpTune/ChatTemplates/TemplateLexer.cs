using System.Globalization;
using System.Text;

namespace SharpTune.ChatTemplates;

/// <summary>
/// Splits template source into data and tag tokens with the whitespace rules of Hugging Face's Jinja2
/// environment: <c>trim_blocks</c> (drop the first newline after a block or comment tag), <c>lstrip_blocks</c>
/// (drop spaces and tabs before a block or comment tag that starts its line), <c>-</c> and <c>+</c> markers, and
/// <c>keep_trailing_newline=False</c> (one trailing newline of the source is dropped).
/// </summary>
/// <remarks>Follows the rules of jinja2/lexer.py (Jinja2 3.1); <c>{% raw %}</c> and line statements are not supported.</remarks>
static class TemplateLexer
{
    static readonly string[] Operators =
    [
        "//", "**", "==", "!=", ">=", "<=",
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";",
    ];

    public static List<TemplateToken> Tokenize(string source)
    {
        source = source.Replace("\r\n", "\n").Replace('\r', '\n');
        if (source.EndsWith('\n'))
            source = source[..^1];

        var tokens = new List<TemplateToken>();
        var position = 0;
        var line = 1;
        // Jinja2's line_starting: whether the text consumed last ended in a newline, so a tag at the start of
        // the next text begins its line.
        var lineStarting = true;

        while (position < source.Length)
        {
            var tagStart = FindTagStart(source, position);
            if (tagStart < 0)
            {
                AddData(tokens, source[position..], ref line);
                break;
            }

            var text = source[position..tagStart];
            var opener = source[tagStart + 1];
            var marker = tagStart + 2 < source.Length ? source[tagStart + 2] : '\0';
            if (marker == '-')
            {
                text = text.TrimEnd();
            }
            else if (marker != '+' && opener != '{')
            {
                var lineStart = text.LastIndexOf('\n') + 1;
                if ((lineStart > 0 || lineStarting) && lineStart < text.Length && text[lineStart..].All(char.IsWhiteSpace))
                    text = text[..lineStart];
            }
            var startLine = line + source[position..tagStart].Count(c => c == '\n');
            AddData(tokens, text, ref line);
            line = startLine;

            position = tagStart + 2 + (marker is '-' or '+' ? 1 : 0);
            string consumed;
            if (opener == '#')
                (position, consumed) = SkipComment(source, position, line);
            else
                (position, consumed) = LexTag(source, position, opener == '%', tokens, ref line);
            line += consumed.Count(c => c == '\n');
            lineStarting = consumed.EndsWith('\n');
        }

        tokens.Add(new TemplateToken(TokenKind.EndOfTemplate, "", line));
        return tokens;
    }

    static int FindTagStart(string source, int from)
    {
        for (var i = source.IndexOf('{', from); i >= 0 && i + 1 < source.Length; i = source.IndexOf('{', i + 1))
        {
            if (source[i + 1] is '{' or '%' or '#')
                return i;
        }
        return -1;
    }

    static void AddData(List<TemplateToken> tokens, string text, ref int line)
    {
        if (text.Length > 0)
            tokens.Add(new TemplateToken(TokenKind.Data, text, line));
        line += text.Count(c => c == '\n');
    }

    // Returns the position after the comment and the text of its end marker including stripped whitespace.
    static (int Position, string Consumed) SkipComment(string source, int position, int line)
    {
        var end = source.IndexOf("#}", position, StringComparison.Ordinal);
        if (end < 0)
            throw ChatTemplateException.Syntax(line, "missing end of comment tag '#}'");
        var before = source[end - 1];
        var after = end + 2;
        if (end > position && before == '-')
            after = SkipWhitespace(source, after);
        else if (!(end > position && before == '+') && after < source.Length && source[after] == '\n')
            after++;
        return (after, source[position..after]);
    }

    static int SkipWhitespace(string source, int position)
    {
        while (position < source.Length && char.IsWhiteSpace(source[position]))
            position++;
        return position;
    }

    // Lexes expression tokens until the tag's end marker outside brackets. Returns the position after the marker
    // and the whitespace it strips, and the text of that final match.
    static (int Position, string Consumed) LexTag(string source, int position, bool isBlock, List<TemplateToken> tokens, ref int line)
    {
        tokens.Add(new TemplateToken(isBlock ? TokenKind.BlockBegin : TokenKind.VariableBegin, "", line));
        var closer = isBlock ? "%}" : "}}";
        var brackets = new Stack<char>();
        var lastMatch = "";
        while (true)
        {
            if (position >= source.Length)
                throw ChatTemplateException.Syntax(line, $"unexpected end of template, expected '{closer}'");

            if (brackets.Count == 0)
            {
                var end = MatchTagEnd(source, position, closer, isBlock);
                if (end >= 0)
                {
                    tokens.Add(new TemplateToken(isBlock ? TokenKind.BlockEnd : TokenKind.VariableEnd, "", line));
                    return (end, source[position..end]);
                }
            }

            var c = source[position];
            if (char.IsWhiteSpace(c))
            {
                var next = SkipWhitespace(source, position);
                lastMatch = source[position..next];
                line += lastMatch.Count(ch => ch == '\n');
                position = next;
                continue;
            }

            var start = position;
            if (char.IsAsciiDigit(c))
                position = LexNumber(source, position, tokens, line);
            else if (c == '_' || char.IsLetter(c))
            {
                while (position < source.Length && (source[position] == '_' || char.IsLetterOrDigit(source[position])))
                    position++;
                tokens.Add(new TemplateToken(TokenKind.Name, source[start..position], line));
            }
            else if (c is '\'' or '"')
                position = LexString(source, position, tokens, line);
            else
                position = LexOperator(source, position, brackets, tokens, line);
            lastMatch = source[start..position];
            line += lastMatch.Count(ch => ch == '\n');
        }
    }

    static int MatchTagEnd(string source, int position, string closer, bool isBlock)
    {
        if (source[position] == '-' && string.CompareOrdinal(source, position + 1, closer, 0, 2) == 0)
            return SkipWhitespace(source, position + 3);
        if (isBlock && source[position] == '+' && string.CompareOrdinal(source, position + 1, closer, 0, 2) == 0)
            return position + 3;
        if (string.CompareOrdinal(source, position, closer, 0, 2) != 0)
            return -1;
        var end = position + 2;
        if (isBlock && end < source.Length && source[end] == '\n')
            end++;
        return end;
    }

    static int LexNumber(string source, int position, List<TemplateToken> tokens, int line)
    {
        var start = position;
        while (position < source.Length && (char.IsAsciiDigit(source[position]) || source[position] == '_'))
            position++;
        var isFloat = false;
        if (position + 1 < source.Length && source[position] == '.' && char.IsAsciiDigit(source[position + 1]))
        {
            isFloat = true;
            position++;
            while (position < source.Length && (char.IsAsciiDigit(source[position]) || source[position] == '_'))
                position++;
        }
        if (position < source.Length && source[position] is 'e' or 'E')
        {
            var exponent = position + 1;
            if (exponent < source.Length && source[exponent] is '+' or '-')
                exponent++;
            if (exponent < source.Length && char.IsAsciiDigit(source[exponent]))
            {
                isFloat = true;
                position = exponent;
                while (position < source.Length && char.IsAsciiDigit(source[position]))
                    position++;
            }
        }
        var text = source[start..position].Replace("_", "");
        tokens.Add(new TemplateToken(isFloat ? TokenKind.Float : TokenKind.Integer, text, line));
        return position;
    }

    static int LexString(string source, int position, List<TemplateToken> tokens, int line)
    {
        var quote = source[position];
        var value = new StringBuilder();
        var i = position + 1;
        while (true)
        {
            if (i >= source.Length)
                throw ChatTemplateException.Syntax(line, "unterminated string literal");
            var c = source[i];
            if (c == quote)
                break;
            if (c != '\\' || i + 1 >= source.Length)
            {
                value.Append(c);
                i++;
                continue;
            }
            i = AppendEscape(source, i + 1, value);
        }
        tokens.Add(new TemplateToken(TokenKind.String, value.ToString(), line));
        return i + 1;
    }

    // Python's unicode-escape decoding, which Jinja2 applies to string literals; unknown escapes stay as written.
    static int AppendEscape(string source, int i, StringBuilder value)
    {
        var c = source[i];
        switch (c)
        {
            case 'n': value.Append('\n'); return i + 1;
            case 't': value.Append('\t'); return i + 1;
            case 'r': value.Append('\r'); return i + 1;
            case 'b': value.Append('\b'); return i + 1;
            case 'f': value.Append('\f'); return i + 1;
            case 'v': value.Append('\v'); return i + 1;
            case 'a': value.Append('\a'); return i + 1;
            case '0' or '1' or '2' or '3' or '4' or '5' or '6' or '7':
                var end = i;
                while (end < source.Length && end < i + 3 && source[end] is >= '0' and <= '7')
                    end++;
                value.Append((char)Convert.ToInt32(source[i..end], 8));
                return end;
            case '\\' or '\'' or '"':
                value.Append(c);
                return i + 1;
            case '\n':
                return i + 1;
            case 'x' or 'u' or 'U':
                var digits = c switch
                {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                if (i + digits >= source.Length)
                    throw new ChatTemplateException($"chat template syntax error: truncated \\{c} escape in a string literal");
                var code = int.Parse(source.AsSpan(i + 1, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                value.Append(char.ConvertFromUtf32(code));
                return i + 1 + digits;
            default:
                value.Append('\\').Append(c);
                return i + 1;
        }
    }

    static int LexOperator(string source, int position, Stack<char> brackets, List<TemplateToken> tokens, int line)
    {
        foreach (var op in Operators)
        {
            if (string.CompareOrdinal(source, position, op, 0, op.Length) != 0)
                continue;
            switch (op)
            {
                case "(": brackets.Push(')'); break;
                case "[": brackets.Push(']'); break;
                case "{": brackets.Push('}'); break;
                case ")" or "]" or "}":
                    if (brackets.Count == 0 || brackets.Pop() != op[0])
                        throw ChatTemplateException.Syntax(line, $"unexpected '{op}'");
                    break;
            }
            tokens.Add(new TemplateToken(TokenKind.Operator, op, line));
            return position + op.Length;
        }
        throw ChatTemplateException.Syntax(line, $"unexpected character '{source[position]}'");
    }
}
