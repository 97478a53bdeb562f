using System.Globalization;
using System.Text;

namespace SharpTune.ChatTemplates;

/// <summary>
/// Python semantics for template values (truth, equality, ordering, <c>str</c>, <c>repr</c>, arithmetic), because
/// Jinja2 delegates these to Python and real chat templates depend on them.
/// </summary>
/// <remarks>
/// Values are null (None), <see cref="bool"/>, <see cref="long"/>, <see cref="double"/>, <see cref="string"/>,
/// <see cref="List{T}"/> of object (list), object array (tuple), <see cref="PyDict"/>, <see cref="TemplateNamespace"/>,
/// <see cref="LoopContext"/>, <see cref="TemplateFunction"/> and <see cref="Undefined"/>.
/// </remarks>
public static class PyOps
{
    /// <summary>Python's truth value.</summary>
    public static bool IsTruthy(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        object?[] tuple => tuple.Length > 0,
        PyDict dict => dict.Count > 0,
        _ => true,
    };

    /// <summary>Python's <c>==</c>: numbers by value (True == 1), strings ordinally, lists, tuples and dicts by content.</summary>
    public static bool AreEqual(object? x, object? y)
    {
        if (x is Undefined || y is Undefined)
            return x is Undefined && y is Undefined;
        if (x is null || y is null)
            return x is null && y is null;
        if (IsNumber(x) && IsNumber(y))
            return x is double || y is double ? ToDouble(x) == ToDouble(y) : ToLong(x) == ToLong(y);
        return (x, y) switch
        {
            (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
            (List<object?> a, List<object?> b) => SequenceEqual(a, b),
            (object?[] a, object?[] b) => SequenceEqual(a, b),
            (PyDict a, PyDict b) => a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var other) && AreEqual(pair.Value, other)),
            _ => ReferenceEquals(x, y),
        };
    }

    static bool SequenceEqual(IReadOnlyList<object?> a, IReadOnlyList<object?> b)
    {
        if (a.Count != b.Count)
            return false;
        for (var i = 0; i < a.Count; i++)
        {
            if (!AreEqual(a[i], b[i]))
                return false;
        }
        return true;
    }

    /// <summary>Python's ordering for <c>&lt;</c> and friends: numbers, strings (by code point) and sequences.</summary>
    public static int Compare(object? x, object? y)
    {
        if (IsNumber(x) && IsNumber(y))
            return x is double || y is double ? ToDouble(x).CompareTo(ToDouble(y)) : ToLong(x).CompareTo(ToLong(y));
        if (x is string a && y is string b)
            return string.CompareOrdinal(a, b);
        if (x is IReadOnlyList<object?> la && y is IReadOnlyList<object?> lb && x.GetType() == y.GetType())
        {
            for (var i = 0; i < Math.Min(la.Count, lb.Count); i++)
            {
                if (!AreEqual(la[i], lb[i]))
                    return Compare(la[i], lb[i]);
            }
            return la.Count.CompareTo(lb.Count);
        }
        throw new ChatTemplateException($"'<' not supported between instances of '{TypeName(x)}' and '{TypeName(y)}'");
    }

    public static bool IsNumber(object? value) => value is long or double or bool;

    public static long ToLong(object? value) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        double d => (long)d,
        _ => throw new ChatTemplateException($"expected a number, got '{TypeName(value)}'"),
    };

    public static double ToDouble(object? value) => value switch
    {
        double d => d,
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new ChatTemplateException($"expected a number, got '{TypeName(value)}'"),
    };

    /// <summary>Python's type name, for error messages.</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        Undefined => "Undefined",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        object?[] => "tuple",
        PyDict => "dict",
        TemplateNamespace => "Namespace",
        LoopContext => "LoopContext",
        TemplateFunction => "function",
        _ => value.GetType().Name,
    };

    /// <summary>Python's <c>str(value)</c>, which is what <c>{{ value }}</c> prints; Undefined prints as empty.</summary>
    public static string Str(object? value) => value switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(value),
    };

    /// <summary>Python's <c>repr(value)</c>: what a list or dict prints for its items.</summary>
    public static string Repr(object? value)
    {
        var builder = new StringBuilder();
        AppendRepr(builder, value);
        return builder.ToString();
    }

    static void AppendRepr(StringBuilder builder, object? value)
    {
        switch (value)
        {
            case null:
                builder.Append("None");
                break;
            case Undefined:
                break;
            case bool b:
                builder.Append(b ? "True" : "False");
                break;
            case long l:
                builder.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                builder.Append(FormatFloat(d));
                break;
            case string s:
                AppendStringRepr(builder, s);
                break;
            case List<object?> list:
                builder.Append('[');
                AppendItems(builder, list);
                builder.Append(']');
                break;
            case object?[] tuple:
                builder.Append('(');
                AppendItems(builder, tuple);
                builder.Append(tuple.Length == 1 ? ",)" : ")");
                break;
            case PyDict dict:
                builder.Append('{');
                var first = true;
                foreach (var (key, item) in dict)
                {
                    if (!first)
                        builder.Append(", ");
                    first = false;
                    AppendRepr(builder, key);
                    builder.Append(": ");
                    AppendRepr(builder, item);
                }
                builder.Append('}');
                break;
            case TemplateNamespace:
                builder.Append("<Namespace>");
                break;
            default:
                builder.Append('<').Append(TypeName(value)).Append('>');
                break;
        }
    }

    static void AppendItems(StringBuilder builder, IReadOnlyList<object?> items)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
                builder.Append(", ");
            AppendRepr(builder, items[i]);
        }
    }

    // Python quotes with ' unless the string contains ' and no ", and escapes \\, the quote, \n, \r, \t and
    // non-printable characters.
    static void AppendStringRepr(StringBuilder builder, string s)
    {
        var quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        builder.Append(quote);
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c == quote)
                        builder.Append('\\').Append(c);
                    else if (c < 0x20 || c == 0x7f)
                        builder.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else
                        builder.Append(c);
                    break;
            }
        }
        builder.Append(quote);
    }

    /// <summary>Python's <c>repr(float)</c>: the shortest round-trip digits, exponent form below 1e-4 or from 1e16.</summary>
    public static string FormatFloat(double d)
    {
        if (double.IsNaN(d))
            return "nan";
        if (double.IsInfinity(d))
            return d > 0 ? "inf" : "-inf";
        if (d == 0)
            return double.IsNegative(d) ? "-0.0" : "0.0";

        // "R" gives the shortest round-trip digits; Python's repr places the decimal point differently.
        var sign = d < 0 ? "-" : "";
        var text = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        var parts = text.Split('E');
        var scale = parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 0;
        var point = parts[0].IndexOf('.');
        var integerDigits = point < 0 ? parts[0] : parts[0][..point];
        var digits = point < 0 ? parts[0] : integerDigits + parts[0][(point + 1)..];
        var pointPosition = integerDigits.Length + scale;
        while (digits.Length > 1 && digits[0] == '0')
        {
            digits = digits[1..];
            pointPosition--;
        }
        digits = digits.TrimEnd('0');
        var exponent = pointPosition - 1;

        if (exponent < -4 || exponent >= 16)
        {
            var mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            return $"{sign}{mantissa}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent):00}";
        }
        if (exponent < 0)
            return sign + "0." + new string('0', -exponent - 1) + digits;
        if (digits.Length <= exponent + 1)
            return sign + digits + new string('0', exponent + 1 - digits.Length) + ".0";
        return sign + digits[..(exponent + 1)] + "." + digits[(exponent + 1)..];
    }

    /// <summary>Items of an iterable value: list and tuple items, dict keys, string characters; Undefined is empty.</summary>
    public static IReadOnlyList<object?> Iterate(object? value) => value switch
    {
        List<object?> list => list,
        object?[] tuple => tuple,
        PyDict dict => dict.Keys.ToList<object?>(),
        string s => StringCharacters(s),
        Undefined => [],
        _ => throw new ChatTemplateException($"'{TypeName(value)}' object is not iterable"),
    };

    /// <summary>Characters of a string as Python iterates them: one item per code point.</summary>
    static List<object?> StringCharacters(string s)
    {
        var items = new List<object?>();
        for (var i = 0; i < s.Length; i += char.IsSurrogatePair(s, i) ? 2 : 1)
            items.Add(char.IsSurrogatePair(s, i) ? s.Substring(i, 2) : s[i].ToString());
        return items;
    }

    /// <summary>Python's <c>len</c>; Undefined has length 0.</summary>
    public static long Length(object? value) => value switch
    {
        string s => s.EnumerateRunes().Count(),
        List<object?> list => list.Count,
        object?[] tuple => tuple.Length,
        PyDict dict => dict.Count,
        Undefined => 0,
        _ => throw new ChatTemplateException($"object of type '{TypeName(value)}' has no len()"),
    };

    /// <summary>Python's <c>in</c>: substring for strings, key for dicts, item for sequences; false for Undefined.</summary>
    public static bool Contains(object? container, object? item) => container switch
    {
        string s when item is string sub => s.Contains(sub, StringComparison.Ordinal),
        string => throw new ChatTemplateException($"'in <string>' requires string as left operand, not {TypeName(item)}"),
        PyDict dict => item is not null && item is not Undefined && dict.ContainsKey(item),
        List<object?> or object?[] => ((IReadOnlyList<object?>)container).Any(x => AreEqual(x, item)),
        Undefined => false,
        _ => throw new ChatTemplateException($"argument of type '{TypeName(container)}' is not iterable"),
    };
}
