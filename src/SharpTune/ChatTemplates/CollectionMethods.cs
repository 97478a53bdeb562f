namespace SharpTune.ChatTemplates;

/// <summary>The Python <c>dict</c> methods templates call; the mutating ones raise, as in an immutable sandbox.</summary>
static class DictMethods
{
    static readonly HashSet<string> Mutating = ["pop", "popitem", "update", "setdefault", "clear"];

    public static TemplateFunction? Bind(PyDict dict, string name) => name switch
    {
        "items" => _ => dict.Select(pair => (object?)new object?[] { pair.Key, pair.Value }).ToList(),
        "keys" => _ => dict.Keys.ToList<object?>(),
        "values" => _ => dict.Values.ToList(),
        "get" => args => args.Get(0, "key") is { } key && key is not Undefined && dict.TryGetValue(key, out var value)
            ? value
            : args.Get(1, "default"),
        "copy" => _ => Copy(dict),
        _ when Mutating.Contains(name) => _ => throw Unsafe(name, "dict"),
        _ => null,
    };

    static PyDict Copy(PyDict dict)
    {
        var copy = new PyDict();
        foreach (var (key, value) in dict)
            copy[key] = value;
        return copy;
    }

    internal static ChatTemplateException Unsafe(string name, string type) =>
        new($"access to attribute '{name}' of '{type}' object is unsafe: the template environment is immutable");
}

/// <summary>The Python <c>list</c> methods templates call; the mutating ones raise, as in an immutable sandbox.</summary>
static class ListMethods
{
    static readonly HashSet<string> Mutating = ["append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"];

    public static TemplateFunction? Bind(List<object?> list, string name) => name switch
    {
        "index" => args => (long)IndexOf(list, args.Get(0, "value")),
        "count" => args => (long)list.Count(item => PyOps.AreEqual(item, args.Get(0, "value"))),
        "copy" => _ => list.ToList(),
        _ when Mutating.Contains(name) => _ => throw DictMethods.Unsafe(name, "list"),
        _ => null,
    };

    static int IndexOf(List<object?> list, object? value)
    {
        var index = list.FindIndex(item => PyOps.AreEqual(item, value));
        return index >= 0 ? index : throw new ChatTemplateException($"{PyOps.Repr(value)} is not in list");
    }
}
