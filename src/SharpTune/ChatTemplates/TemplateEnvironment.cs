namespace SharpTune.ChatTemplates;

/// <summary>
/// Globals of Hugging Face's chat-template environment: <c>raise_exception(message)</c>, <c>strftime_now(format)</c>,
/// and Jinja2's <c>range</c>, <c>namespace</c> and <c>dict</c>.
/// </summary>
sealed class TemplateEnvironment
{
    readonly Func<DateTime> _now;
    readonly Dictionary<string, TemplateFunction> _globals;

    /// <param name="now">Clock for <c>strftime_now</c>; transformers uses the local time.</param>
    public TemplateEnvironment(Func<DateTime> now)
    {
        _now = now;
        _globals = new(StringComparer.Ordinal)
        {
            ["raise_exception"] = args => throw new ChatTemplateException(PyOps.Str(args.Get(0, "message")), raisedByTemplate: true),
            ["strftime_now"] = args => Strftime.Format(_now(), PyOps.Str(args.Get(0, "format"))),
            ["range"] = Range,
            ["namespace"] = Namespace,
            ["dict"] = Dict,
        };
    }

    /// <summary>Returns the global function <paramref name="name"/>, or Undefined.</summary>
    public object? GetGlobal(string name) => _globals.TryGetValue(name, out var function) ? function : new Undefined(name);

    static object? Range(CallArguments args)
    {
        var values = args.Positional.Select(PyOps.ToLong).ToList();
        var (start, stop, step) = values.Count switch
        {
            1 => (0L, values[0], 1L),
            2 => (values[0], values[1], 1L),
            3 => (values[0], values[1], values[2]),
            _ => throw new ChatTemplateException("range expected 1 to 3 arguments"),
        };
        if (step == 0)
            throw new ChatTemplateException("range() arg 3 must not be zero");
        var items = new List<object?>();
        for (var i = start; step > 0 ? i < stop : i > stop; i += step)
            items.Add(i);
        return items;
    }

    static object? Namespace(CallArguments args)
    {
        var space = new TemplateNamespace();
        foreach (var initial in args.Positional)
        {
            if (initial is not PyDict dict)
                throw new ChatTemplateException($"namespace() takes mappings as positional arguments, not {PyOps.TypeName(initial)}");
            foreach (var (key, value) in dict)
                space.Attributes[PyOps.Str(key)] = value;
        }
        foreach (var (key, value) in args.Named)
            space.Attributes[key] = value;
        return space;
    }

    static object? Dict(CallArguments args)
    {
        var dict = new PyDict();
        foreach (var (key, value) in args.Named)
            dict[key] = value;
        return dict;
    }
}
