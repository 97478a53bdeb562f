namespace SharpTune.ChatTemplates;

/// <summary>Jinja2's built-in tests (<c>x is defined</c>, <c>x is string</c>, <c>x is equalto y</c>, …).</summary>
static class TemplateTests
{
    public static bool Apply(string name, object? value, IReadOnlyList<object?> args, int line)
    {
        object? Argument()
        {
            if (args.Count == 0)
                throw new ChatTemplateException($"line {line}: test '{name}' needs an argument");
            return args[0];
        }

        return name switch
        {
            "defined" => value is not Undefined,
            "undefined" => value is Undefined,
            "none" => value is null,
            "true" => value is true,
            "false" => value is false,
            "boolean" => value is bool,
            "string" => value is string,
            "mapping" => value is PyDict,
            "number" => value is long or double or bool,
            "integer" => value is long,
            "float" => value is double,
            // Jinja2 tests whether Python's iter(value) succeeds, which it does for strings, dicts and Undefined.
            "iterable" => value is string or List<object?> or object?[] or PyDict or Undefined or LoopContext,
            "sequence" => value is string or List<object?> or object?[] or PyDict or Undefined,
            "callable" => value is TemplateFunction,
            "odd" => PyOps.ToLong(value) % 2 != 0,
            "even" => PyOps.ToLong(value) % 2 == 0,
            "divisibleby" => PyOps.ToLong(value) % PyOps.ToLong(Argument()) == 0,
            "lower" => PyOps.Str(value) is var lower && lower.Any(char.IsLetter) && !lower.Any(char.IsUpper),
            "upper" => PyOps.Str(value) is var upper && upper.Any(char.IsLetter) && !upper.Any(char.IsLower),
            "sameas" => IsSame(value, Argument()),
            "equalto" or "eq" or "==" => PyOps.AreEqual(value, Argument()),
            "ne" or "!=" => !PyOps.AreEqual(value, Argument()),
            "lt" or "lessthan" or "<" => PyOps.Compare(value, Argument()) < 0,
            "le" or "<=" => PyOps.Compare(value, Argument()) <= 0,
            "gt" or "greaterthan" or ">" => PyOps.Compare(value, Argument()) > 0,
            "ge" or ">=" => PyOps.Compare(value, Argument()) >= 0,
            "in" => PyOps.Contains(Argument(), value),
            _ => throw new ChatTemplateException($"line {line}: no test named '{name}'"),
        };
    }

    // Python's `is`: None, True and False are singletons and small values compare by value here; other values
    // by reference.
    static bool IsSame(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (bool x, bool y) => x == y,
        (long x, long y) => x == y,
        (string x, string y) => x == y,
        _ => ReferenceEquals(a, b),
    };
}
