namespace SharpTune.ChatTemplates;

/// <summary>
/// Jinja2's attribute and item lookup: <c>x.name</c> tries the attribute (a method of str, dict or list, a
/// namespace or loop attribute) and then the key; <c>x[key]</c> tries the key and then the attribute. A miss is
/// Undefined; only lookups on Undefined itself raise.
/// </summary>
static class Attributes
{
    public static object? GetAttribute(object? target, string name)
    {
        if (target is Undefined undefined)
            throw undefined.Fail();
        if (TryGetAttribute(target, name, out var value))
            return value;
        return TryGetItem(target, name, out value) ? value : new Undefined(name);
    }

    public static object? GetItem(object? target, object? key)
    {
        if (target is Undefined undefined)
            throw undefined.Fail();
        if (TryGetItem(target, key, out var value))
            return value;
        if (key is string name && TryGetAttribute(target, name, out value))
            return value;
        return new Undefined(PyOps.Str(key));
    }

    static bool TryGetAttribute(object? target, string name, out object? value)
    {
        value = target switch
        {
            TemplateNamespace ns => ns.Attributes.TryGetValue(name, out var attribute) ? attribute : null,
            LoopContext loop => loop.GetAttribute(name),
            string s => StringMethods.Bind(s, name),
            PyDict dict => DictMethods.Bind(dict, name),
            List<object?> list => ListMethods.Bind(list, name),
            _ => null,
        };
        if (target is TemplateNamespace space)
            return space.Attributes.ContainsKey(name);
        return value is not null;
    }

    static bool TryGetItem(object? target, object? key, out object? value)
    {
        value = null;
        switch (target)
        {
            case PyDict dict:
                return key is not null && dict.TryGetValue(key, out value);
            case List<object?> or object?[] or string when key is long or bool:
                var items = target as IReadOnlyList<object?> ?? PyOps.Iterate(target);
                var index = PyOps.ToLong(key);
                if (index < 0)
                    index += items.Count;
                if (index < 0 || index >= items.Count)
                    return false;
                value = items[(int)index];
                return true;
            case TemplateNamespace ns when key is string name:
                return ns.Attributes.TryGetValue(name, out value);
            default:
                return false;
        }
    }

    /// <summary>Python slicing <c>x[start:stop:step]</c> on lists, tuples and strings.</summary>
    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        if (target is Undefined undefined)
            throw undefined.Fail();
        var items = target switch
        {
            List<object?> list => list,
            object?[] tuple => tuple,
            string s => PyOps.Iterate(s),
            _ => throw new ChatTemplateException($"'{PyOps.TypeName(target)}' object is not subscriptable"),
        };
        var picked = SliceIndices(items.Count, start, stop, step).Select(i => items[i]).ToList();
        return target switch
        {
            string => string.Concat(picked.Cast<string>()),
            object?[] => picked.ToArray(),
            _ => picked,
        };
    }

    static IEnumerable<int> SliceIndices(int count, object? start, object? stop, object? step)
    {
        var stride = step is null ? 1 : PyOps.ToLong(step);
        if (stride == 0)
            throw new ChatTemplateException("slice step cannot be zero");
        long first, last;
        if (stride > 0)
        {
            first = start is null ? 0 : Clamp(PyOps.ToLong(start), count, 0, count);
            last = stop is null ? count : Clamp(PyOps.ToLong(stop), count, 0, count);
            for (var i = first; i < last; i += stride)
                yield return (int)i;
        }
        else
        {
            first = start is null ? count - 1 : Clamp(PyOps.ToLong(start), count, -1, count - 1);
            last = stop is null ? -1 : Clamp(PyOps.ToLong(stop), count, -1, count - 1);
            for (var i = first; i > last; i += stride)
                yield return (int)i;
        }
    }

    static long Clamp(long index, int count, long low, long high)
    {
        if (index < 0)
            index += count;
        return Math.Clamp(index, low, high);
    }
}
