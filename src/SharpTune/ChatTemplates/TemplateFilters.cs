using System.Globalization;
using System.Net;

namespace SharpTune.ChatTemplates;

/// <summary>Jinja2's built-in filters that chat templates use, with transformers' <c>tojson</c>.</summary>
static class TemplateFilters
{
    public static object? Apply(string name, object? value, CallArguments args, int line)
    {
        switch (name)
        {
            case "default" or "d":
                var useDefault = value is Undefined || (PyOps.IsTruthy(args.Get(1, "boolean", false)) && !PyOps.IsTruthy(value));
                return useDefault ? args.Get(0, "default_value", "") : value;
            case "tojson":
                return ToJson(value, args);
            case "length" or "count":
                return PyOps.Length(value);
            case "string":
                return PyOps.Str(value);
            case "trim":
                return StringMethods.Strip(PyOps.Str(value), args.Get(0, "chars"), left: true, right: true);
            case "upper":
                return PyOps.Str(value).ToUpperInvariant();
            case "lower":
                return PyOps.Str(value).ToLowerInvariant();
            case "title":
                return StringMethods.Title(PyOps.Str(value));
            case "capitalize":
                var text = PyOps.Str(value);
                return text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..].ToLowerInvariant();
            case "replace":
                return StringMethods.Bind(PyOps.Str(value), "replace")!(
                    new CallArguments([args.Get(0, "old"), args.Get(1, "new"), args.Get(2, "count", -1L)], new Dictionary<string, object?>()));
            case "indent":
                return Indent(PyOps.Str(value), args.Get(0, "width", 4L), PyOps.IsTruthy(args.Get(1, "first", false)), PyOps.IsTruthy(args.Get(2, "blank", false)));
            case "escape" or "e":
                return WebUtility.HtmlEncode(PyOps.Str(value)).Replace("&quot;", "&#34;").Replace("&#39;", "&#39;");
            case "safe":
                return value;
            case "first":
                return PyOps.Iterate(value) is { Count: > 0 } items ? items[0] : new Undefined("first");
            case "last":
                return PyOps.Iterate(value) is { Count: > 0 } all ? all[^1] : new Undefined("last");
            case "list":
                return PyOps.Iterate(value).ToList();
            case "reverse":
                return value is string s ? string.Concat(PyOps.Iterate(s).Reverse().Cast<string>()) : PyOps.Iterate(value).Reverse().ToList();
            case "join":
                var joined = Project(PyOps.Iterate(value), args.Get(1, "attribute"));
                return string.Join(PyOps.Str(args.Get(0, "d", "")), joined.Select(PyOps.Str));
            case "items":
                return value is Undefined ? new List<object?>() : value is PyDict dict
                    ? DictMethods.Bind(dict, "items")!(CallArguments.None)
                    : throw new ChatTemplateException($"line {line}: can only get item pairs from a mapping, not {PyOps.TypeName(value)}");
            case "dictsort":
                return DictSort(value, args, line);
            case "map":
                return Map(value, args, line);
            case "select" or "reject":
                return Select(PyOps.Iterate(value), item => item, args, 0, name == "select", line);
            case "selectattr" or "rejectattr":
                var attribute = PyOps.Str(args.Get(0, "attribute"));
                return Select(PyOps.Iterate(value), item => GetPath(item, attribute), args, 1, name == "selectattr", line);
            case "attr":
                return Attributes.GetAttribute(value, PyOps.Str(args.Get(0, "name")));
            case "unique":
                return Unique(PyOps.Iterate(value), PyOps.IsTruthy(args.Get(0, "case_sensitive", false)), args.Get(1, "attribute"));
            case "sort":
                return Sort(PyOps.Iterate(value), PyOps.IsTruthy(args.Get(0, "reverse", false)), PyOps.IsTruthy(args.Get(1, "case_sensitive", false)), args.Get(2, "attribute"));
            case "min" or "max":
                return MinMax(PyOps.Iterate(value), name == "max", PyOps.IsTruthy(args.Get(0, "case_sensitive", false)), args.Get(1, "attribute"));
            case "sum":
                return Project(PyOps.Iterate(value), args.Get(0, "attribute")).Aggregate(args.Get(1, "start", 0L), (total, item) => Arithmetic.Apply("+", total, item, line));
            case "abs":
                return value is double d ? (object)Math.Abs(d) : Math.Abs(PyOps.ToLong(value));
            case "int":
                return ToInt(value, args.Get(0, "default", 0L));
            case "float":
                return ToFloat(value, args.Get(0, "default", 0.0));
            case "round":
                return Math.Round(PyOps.ToDouble(value), (int)PyOps.ToLong(args.Get(0, "precision", 0L)), args.Get(1, "method", "common") switch
                {
                    "ceil" => MidpointRounding.ToPositiveInfinity,
                    "floor" => MidpointRounding.ToNegativeInfinity,
                    _ => MidpointRounding.AwayFromZero,
                });
            case "wordcount":
                return (long)PyOps.Str(value).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            default:
                throw new ChatTemplateException($"line {line}: no filter named '{name}'");
        }
    }

    static string ToJson(object? value, CallArguments args)
    {
        var separators = args.Get(2, "separators") switch
        {
            null => ((string, string)?)null,
            IReadOnlyList<object?> { Count: 2 } pair => (PyOps.Str(pair[0]), PyOps.Str(pair[1])),
            var other => throw new ChatTemplateException($"tojson separators must be a pair of strings, not {PyOps.Repr(other)}"),
        };
        // transformers' signature: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False).
        var indent = args.Get(1, "indent");
        var ensureAscii = PyOps.IsTruthy(args.Get(0, "ensure_ascii", false));
        return TemplateJson.Dumps(value, indent, separators, PyOps.IsTruthy(args.Get(3, "sort_keys", false)), ensureAscii);
    }

    // Jinja2 3.1's indent: the first line is indented only with first=True, blank lines only with blank=True.
    static string Indent(string s, object? width, bool first, bool blank)
    {
        var indentation = width as string ?? new string(' ', (int)PyOps.ToLong(width));
        var lines = (s + "\n").Split('\n').ToList();
        lines.RemoveAt(lines.Count - 1);
        string result;
        if (blank)
            result = string.Join("\n" + indentation, lines);
        else
        {
            result = lines[0];
            if (lines.Count > 1)
                result += "\n" + string.Join("\n", lines.Skip(1).Select(line => line.Length > 0 ? indentation + line : line));
        }
        return first ? indentation + result : result;
    }

    /// <summary>Follows a dotted attribute path like Jinja2's attribute getters; number parts index lists.</summary>
    static object? GetPath(object? item, string path)
    {
        foreach (var part in path.Split('.'))
        {
            object key = long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : part;
            item = Attributes.GetItem(item, key);
        }
        return item;
    }

    static List<object?> Project(IReadOnlyList<object?> items, object? attribute) =>
        attribute is null ? items.ToList() : items.Select(item => GetPath(item, PyOps.Str(attribute))).ToList();

    static List<object?> Map(object? value, CallArguments args, int line)
    {
        var items = PyOps.Iterate(value);
        if (args.Named.TryGetValue("attribute", out var attribute))
        {
            var fallback = args.Named.GetValueOrDefault("default", Undefined.Instance);
            return items.Select(item => GetPath(item, PyOps.Str(attribute)) is Undefined && fallback is not Undefined ? fallback : GetPath(item, PyOps.Str(attribute))).ToList();
        }
        if (args.Positional.Count == 0)
            throw new ChatTemplateException($"line {line}: map needs a filter name or attribute=");
        var filter = PyOps.Str(args.Positional[0]);
        var rest = new CallArguments(args.Positional.Skip(1).ToList(), args.Named);
        return items.Select(item => Apply(filter, item, rest, line)).ToList();
    }

    static List<object?> Select(IReadOnlyList<object?> items, Func<object?, object?> pick, CallArguments args, int testIndex, bool keep, int line)
    {
        Func<object?, bool> passes = PyOps.IsTruthy;
        if (args.Positional.Count > testIndex)
        {
            var test = PyOps.Str(args.Positional[testIndex]);
            var testArguments = args.Positional.Skip(testIndex + 1).ToList();
            passes = candidate => TemplateTests.Apply(test, candidate, testArguments, line);
        }
        return items.Where(item => passes(pick(item)) == keep).ToList();
    }

    static object? SortKey(object? value, bool caseSensitive) =>
        !caseSensitive && value is string s ? s.ToLowerInvariant() : value;

    static List<object?> Unique(IReadOnlyList<object?> items, bool caseSensitive, object? attribute)
    {
        var seen = new List<object?>();
        var result = new List<object?>();
        foreach (var item in items)
        {
            var key = SortKey(attribute is null ? item : GetPath(item, PyOps.Str(attribute)), caseSensitive);
            if (seen.Any(other => PyOps.AreEqual(other, key)))
                continue;
            seen.Add(key);
            result.Add(item);
        }
        return result;
    }

    static List<object?> Sort(IReadOnlyList<object?> items, bool reverse, bool caseSensitive, object? attribute)
    {
        var keyed = items.Select(item => (Item: item, Key: SortKey(attribute is null ? item : GetPath(item, PyOps.Str(attribute)), caseSensitive))).ToList();
        var sorted = keyed.OrderBy(pair => pair.Key, Comparer<object?>.Create(PyOps.Compare)).Select(pair => pair.Item).ToList();
        if (reverse)
            sorted.Reverse();
        return sorted;
    }

    static object? MinMax(IReadOnlyList<object?> items, bool max, bool caseSensitive, object? attribute)
    {
        if (items.Count == 0)
            return new Undefined(max ? "max" : "min");
        var sorted = Sort(items, false, caseSensitive, attribute);
        return max ? sorted[^1] : sorted[0];
    }

    static List<object?> DictSort(object? value, CallArguments args, int line)
    {
        if (value is not PyDict dict)
            throw new ChatTemplateException($"line {line}: dictsort needs a mapping, not {PyOps.TypeName(value)}");
        var caseSensitive = PyOps.IsTruthy(args.Get(0, "case_sensitive", false));
        var byValue = PyOps.Str(args.Get(1, "by", "key")) == "value";
        var pairs = dict.Select(pair => (object?)new object?[] { pair.Key, pair.Value }).ToList();
        var sorted = pairs.OrderBy(pair => SortKey(((object?[])pair!)[byValue ? 1 : 0], caseSensitive), Comparer<object?>.Create(PyOps.Compare)).ToList();
        if (PyOps.IsTruthy(args.Get(2, "reverse", false)))
            sorted.Reverse();
        return sorted;
    }

    static object? ToInt(object? value, object? fallback) => value switch
    {
        long or bool => PyOps.ToLong(value),
        double d => (long)Math.Truncate(d),
        string s when long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) => parsed,
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsedFloat) => (long)Math.Truncate(parsedFloat),
        _ => fallback,
    };

    static object? ToFloat(object? value, object? fallback) => value switch
    {
        long or bool or double => PyOps.ToDouble(value),
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => fallback,
    };
}
