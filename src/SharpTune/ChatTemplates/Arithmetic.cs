namespace SharpTune.ChatTemplates;

/// <summary>Python's arithmetic operators on template values; Undefined operands raise, as in Jinja2.</summary>
static class Arithmetic
{
    public static object? Apply(string op, object? left, object? right, int line)
    {
        if (left is Undefined undefinedLeft)
            throw undefinedLeft.Fail();
        if (right is Undefined undefinedRight)
            throw undefinedRight.Fail();

        if (PyOps.IsNumber(left) && PyOps.IsNumber(right))
            return Numeric(op, left, right, line);

        return (op, left, right) switch
        {
            ("+", string a, string b) => a + b,
            ("+", List<object?> a, List<object?> b) => a.Concat(b).ToList(),
            ("+", object?[] a, object?[] b) => a.Concat(b).ToArray(),
            ("*", string s, long or bool) => Repeat(s, PyOps.ToLong(right)),
            ("*", long or bool, string s) => Repeat(s, PyOps.ToLong(left)),
            ("*", List<object?> list, long or bool) => Enumerable.Repeat(list, (int)Math.Max(0, PyOps.ToLong(right))).SelectMany(x => x).ToList(),
            _ => throw new ChatTemplateException(
                $"line {line}: unsupported operand types for {op}: '{PyOps.TypeName(left)}' and '{PyOps.TypeName(right)}'"),
        };
    }

    static string Repeat(string s, long count) => count <= 0 ? "" : string.Concat(Enumerable.Repeat(s, (int)count));

    static object Numeric(string op, object? left, object? right, int line)
    {
        var isFloat = left is double || right is double;
        if (op == "/")
        {
            var divisor = PyOps.ToDouble(right);
            if (divisor == 0)
                throw new ChatTemplateException($"line {line}: division by zero");
            return PyOps.ToDouble(left) / divisor;
        }
        if (isFloat)
        {
            double a = PyOps.ToDouble(left), b = PyOps.ToDouble(right);
            return op switch
            {
                "+" => a + b,
                "-" => a - b,
                "*" => a * b,
                "**" => Math.Pow(a, b),
                "//" => b == 0 ? throw new ChatTemplateException($"line {line}: float floor division by zero") : Math.Floor(a / b),
                "%" => b == 0 ? throw new ChatTemplateException($"line {line}: float modulo") : a - b * Math.Floor(a / b),
                _ => throw new ChatTemplateException($"line {line}: unknown operator {op}"),
            };
        }
        long x = PyOps.ToLong(left), y = PyOps.ToLong(right);
        return op switch
        {
            "+" => x + y,
            "-" => x - y,
            "*" => x * y,
            "**" => y >= 0 ? (object)(long)Math.Pow(x, y) : Math.Pow(x, y),
            "//" => y == 0 ? throw new ChatTemplateException($"line {line}: integer division or modulo by zero") : FloorDivide(x, y),
            "%" => y == 0 ? throw new ChatTemplateException($"line {line}: integer division or modulo by zero") : x - y * FloorDivide(x, y),
            _ => throw new ChatTemplateException($"line {line}: unknown operator {op}"),
        };
    }

    // Python rounds integer division toward negative infinity.
    static long FloorDivide(long x, long y)
    {
        var quotient = x / y;
        return (x % y != 0) && ((x < 0) != (y < 0)) ? quotient - 1 : quotient;
    }
}
