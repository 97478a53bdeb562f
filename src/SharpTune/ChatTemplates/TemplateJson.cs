using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpTune.ChatTemplates;

/// <summary>
/// JSON in and out of templates: converts JSON input to template values, and implements transformers' <c>tojson</c>
/// filter, which is Python's <c>json.dumps(x, ensure_ascii=False, indent=indent, separators=separators,
/// sort_keys=sort_keys)</c>: no HTML escaping, non-ASCII kept, <c>", "</c> and <c>": "</c> separators (<c>","</c>
/// before newlines when indenting), keys in insertion order unless sorted.
/// </summary>
public static class TemplateJson
{
    /// <summary>Converts parsed JSON to template values: objects to <see cref="PyDict"/>, arrays to lists, integers to long.</summary>
    public static object? FromJson(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
                var dict = new PyDict();
                foreach (var (key, value) in obj)
                    dict[key] = FromJson(value);
                return dict;
            case JsonArray array:
                return array.Select(FromJson).ToList();
            default:
                var element = node.GetValue<JsonElement>();
                return element.ValueKind switch
                {
                    JsonValueKind.String => element.GetString(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Null => null,
                    JsonValueKind.Number when element.TryGetInt64(out var integer) && !element.GetRawText().Contains('.')
                        && !element.GetRawText().Contains('e') && !element.GetRawText().Contains('E') => integer,
                    JsonValueKind.Number => element.GetDouble(),
                    _ => throw new ArgumentException($"unsupported JSON value {element.ValueKind}", nameof(node)),
                };
        }
    }

    /// <summary>Serializes a template value as Python's <c>json.dumps(..., ensure_ascii=False)</c> does.</summary>
    /// <param name="indent">Null for one line, a number of spaces, or an indentation string.</param>
    /// <param name="value">The template value to serialize.</param>
    /// <param name="separators">Item and key separators, or null for Python's defaults.</param>
    /// <param name="sortKeys">Whether to sort object keys ordinally.</param>
    /// <param name="ensureAscii">Whether to escape non-ASCII characters as <c>\uXXXX</c>.</param>
    public static string Dumps(object? value, object? indent = null, (string Item, string Key)? separators = null, bool sortKeys = false, bool ensureAscii = false)
    {
        var indentText = indent switch
        {
            null => null,
            long n => new string(' ', (int)Math.Max(0, n)),
            string s => s,
            _ => throw new ChatTemplateException($"tojson indent must be an int or a str, not {PyOps.TypeName(indent)}"),
        };
        var (itemSeparator, keySeparator) = separators ?? (indentText is null ? ", " : ",", ": ");
        var builder = new StringBuilder();
        Write(builder, value, indentText, itemSeparator, keySeparator, sortKeys, 0);
        return ensureAscii ? EscapeNonAscii(builder.ToString()) : builder.ToString();
    }

    static void Write(StringBuilder builder, object? value, string? indent, string itemSeparator, string keySeparator, bool sortKeys, int depth)
    {
        switch (value)
        {
            case null:
                builder.Append("null");
                return;
            case bool b:
                builder.Append(b ? "true" : "false");
                return;
            case long l:
                builder.Append(l.ToString(CultureInfo.InvariantCulture));
                return;
            case double d:
                builder.Append(FormatNumber(d));
                return;
            case string s:
                WriteString(builder, s);
                return;
            case IReadOnlyList<object?> items when value is not string:
                WriteContainer(builder, '[', ']', items.Count, indent, itemSeparator, depth, i =>
                    Write(builder, items[i], indent, itemSeparator, keySeparator, sortKeys, depth + 1));
                return;
            case PyDict dict:
                var pairs = dict.Select(pair => (Key: KeyString(pair.Key), pair.Value)).ToList();
                if (sortKeys)
                    pairs = pairs.OrderBy(pair => pair.Key, StringComparer.Ordinal).ToList();
                WriteContainer(builder, '{', '}', pairs.Count, indent, itemSeparator, depth, i =>
                {
                    WriteString(builder, pairs[i].Key);
                    builder.Append(keySeparator);
                    Write(builder, pairs[i].Value, indent, itemSeparator, keySeparator, sortKeys, depth + 1);
                });
                return;
            default:
                throw new ChatTemplateException($"Object of type {PyOps.TypeName(value)} is not JSON serializable");
        }
    }

    static string FormatNumber(double d)
    {
        if (double.IsNaN(d))
            return "NaN";
        if (double.IsInfinity(d))
            return d > 0 ? "Infinity" : "-Infinity";
        return PyOps.FormatFloat(d);
    }

    static void WriteContainer(StringBuilder builder, char open, char close, int count, string? indent, string itemSeparator, int depth, Action<int> writeItem)
    {
        if (count == 0)
        {
            builder.Append(open).Append(close);
            return;
        }
        builder.Append(open);
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
                builder.Append(itemSeparator);
            if (indent is not null)
                builder.Append('\n').Append(string.Concat(Enumerable.Repeat(indent, depth + 1)));
            writeItem(i);
        }
        if (indent is not null)
            builder.Append('\n').Append(string.Concat(Enumerable.Repeat(indent, depth)));
        builder.Append(close);
    }

    // Python's json converts int, float, bool and None keys to strings and rejects the rest.
    static string KeyString(object key) => key switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => PyOps.FormatFloat(d),
        _ => throw new ChatTemplateException($"keys must be str, int, float, bool or None, not {PyOps.TypeName(key)}"),
    };

    // Non-ASCII characters occur only inside JSON strings, so escaping them afterwards gives ensure_ascii=True.
    static string EscapeNonAscii(string json)
    {
        var builder = new StringBuilder(json.Length);
        foreach (var c in json)
        {
            if (c < 0x80)
                builder.Append(c);
            else
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    static void WriteString(StringBuilder builder, string s)
    {
        builder.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                default:
                    if (c < 0x20)
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else
                        builder.Append(c);
                    break;
            }
        }
        builder.Append('"');
    }
}
