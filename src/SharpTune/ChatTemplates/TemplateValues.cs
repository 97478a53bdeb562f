namespace SharpTune.ChatTemplates;

/// <summary>
/// Jinja2's <c>Undefined</c>: the value of a missing variable, attribute, key or index. It prints as the empty
/// string, is false, iterates as empty and has length 0; any other use (arithmetic, attribute access) is an error.
/// </summary>
public sealed class Undefined
{
    /// <summary>The shared instance for values that carry no name.</summary>
    public static readonly Undefined Instance = new(null);

    /// <summary>Name of the missing value for error messages, such as <c>message.tool_calls</c>, or null.</summary>
    public string? Name { get; }

    public Undefined(string? name) => Name = name;

    /// <summary>Builds the error Jinja2's <c>UndefinedError</c> raises when this value is used.</summary>
    public ChatTemplateException Fail() =>
        new(Name is null ? "a value is undefined" : $"'{Name}' is undefined");
}

/// <summary>The mutable attribute bag that <c>namespace(...)</c> creates, so loop bodies can change outer state.</summary>
public sealed class TemplateNamespace
{
    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
}

/// <summary>Arguments of a call from a template: positional values in order, then keyword arguments by name.</summary>
public sealed record CallArguments(IReadOnlyList<object?> Positional, IReadOnlyDictionary<string, object?> Named)
{
    public static readonly CallArguments None = new([], new Dictionary<string, object?>());

    /// <summary>Returns the argument at <paramref name="index"/> or named <paramref name="name"/>, else <paramref name="fallback"/>.</summary>
    public object? Get(int index, string name, object? fallback = null)
    {
        if (index < Positional.Count)
            return Positional[index];
        return Named.TryGetValue(name, out var value) ? value : fallback;
    }
}

/// <summary>A function callable from a template: a global, a macro or a bound method such as <c>str.strip</c>.</summary>
public delegate object? TemplateFunction(CallArguments arguments);

/// <summary>
/// A Python-style dictionary: keys in insertion order, compared with Python equality (so <c>1</c> and <c>1.0</c>
/// are one key). JSON objects become instances of this type.
/// </summary>
public sealed class PyDict : OrderedDictionary<object, object?>
{
    public PyDict() : base(PyEqualityComparer.Instance) { }
}

/// <summary>Python's <c>==</c> on template values, as a comparer for dictionary keys.</summary>
sealed class PyEqualityComparer : IEqualityComparer<object>
{
    public static readonly PyEqualityComparer Instance = new();

    public new bool Equals(object? x, object? y) => PyOps.AreEqual(x, y);

    public int GetHashCode(object obj) => obj switch
    {
        bool b => b ? 1 : 0,
        long l => l.GetHashCode(),
        double d when d == Math.Floor(d) && Math.Abs(d) < 9e18 => ((long)d).GetHashCode(),
        _ => obj.GetHashCode(),
    };
}
