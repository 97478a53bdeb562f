using System.Globalization;
using System.Text;

namespace SharpTune.ChatTemplates;

/// <summary>The Python <c>str</c> methods templates call, such as <c>content.strip()</c> and <c>content.split('x')</c>.</summary>
static class StringMethods
{
    /// <summary>Returns <paramref name="name"/> bound to <paramref name="s"/>, or null when str has no such method.</summary>
    public static TemplateFunction? Bind(string s, string name) => name switch
    {
        "strip" => args => Strip(s, args.Get(0, "chars"), left: true, right: true),
        "lstrip" => args => Strip(s, args.Get(0, "chars"), left: true, right: false),
        "rstrip" => args => Strip(s, args.Get(0, "chars"), left: false, right: true),
        "split" => args => Split(s, args.Get(0, "sep"), args.Get(1, "maxsplit", -1L)),
        "rsplit" => args => RightSplit(s, args.Get(0, "sep"), args.Get(1, "maxsplit", -1L)),
        "splitlines" => _ => s.Split('\n').Select(line => (object?)line.TrimEnd('\r')).SkipLastIfEmpty().ToList(),
        "startswith" => args => MatchesAny(args.Get(0, "prefix"), prefix => s.StartsWith(prefix, StringComparison.Ordinal)),
        "endswith" => args => MatchesAny(args.Get(0, "suffix"), suffix => s.EndsWith(suffix, StringComparison.Ordinal)),
        "replace" => args => Replace(s, ArgumentString(args.Get(0, "old")), ArgumentString(args.Get(1, "new")), PyOps.ToLong(args.Get(2, "count", -1L))),
        "upper" => _ => s.ToUpperInvariant(),
        "lower" => _ => s.ToLowerInvariant(),
        "title" => _ => Title(s),
        "capitalize" => _ => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant(),
        // NOTE: find and rfind return UTF-16 offsets, which differ from Python's code-point offsets after
        // characters outside the Basic Multilingual Plane.
        "find" => args => (long)s.IndexOf(ArgumentString(args.Get(0, "sub")), StringComparison.Ordinal),
        "rfind" => args => (long)s.LastIndexOf(ArgumentString(args.Get(0, "sub")), StringComparison.Ordinal),
        "count" => args => (long)Count(s, ArgumentString(args.Get(0, "sub"))),
        "join" => args => string.Join(s, PyOps.Iterate(args.Get(0, "iterable")).Select(ArgumentString)),
        "isdigit" => _ => s.Length > 0 && s.All(char.IsDigit),
        "isalpha" => _ => s.Length > 0 && s.All(char.IsLetter),
        "isalnum" => _ => s.Length > 0 && s.All(char.IsLetterOrDigit),
        "isspace" => _ => s.Length > 0 && s.All(char.IsWhiteSpace),
        "isupper" => _ => s.Any(char.IsLetter) && !s.Any(char.IsLower),
        "islower" => _ => s.Any(char.IsLetter) && !s.Any(char.IsUpper),
        _ => null,
    };

    static IEnumerable<object?> SkipLastIfEmpty(this IEnumerable<object?> lines)
    {
        var list = lines.ToList();
        if (list.Count > 0 && (string?)list[^1] == "")
            list.RemoveAt(list.Count - 1);
        return list;
    }

    static string ArgumentString(object? value) => value as string
        ?? throw new ChatTemplateException($"expected a str argument, got '{PyOps.TypeName(value)}'");

    /// <summary>Python's <c>str.strip</c>: whitespace when <paramref name="chars"/> is None, else those characters.</summary>
    public static string Strip(string s, object? chars, bool left, bool right)
    {
        Func<char, bool> strips = chars is string set ? set.Contains : char.IsWhiteSpace;
        int start = 0, end = s.Length;
        if (left)
        {
            while (start < end && strips(s[start]))
                start++;
        }
        if (right)
        {
            while (end > start && strips(s[end - 1]))
                end--;
        }
        return s[start..end];
    }

    static List<object?> Split(string s, object? separator, object? maxSplit)
    {
        var limit = PyOps.ToLong(maxSplit);
        var parts = new List<object?>();
        if (separator is null)
        {
            var rest = s.TrimStart();
            while (rest.Length > 0)
            {
                if (limit >= 0 && parts.Count == limit)
                {
                    parts.Add(rest);
                    break;
                }
                var end = 0;
                while (end < rest.Length && !char.IsWhiteSpace(rest[end]))
                    end++;
                parts.Add(rest[..end]);
                rest = rest[end..].TrimStart();
            }
            return parts;
        }

        var sep = ArgumentString(separator);
        if (sep.Length == 0)
            throw new ChatTemplateException("empty separator");
        var position = 0;
        while (limit < 0 || parts.Count < limit)
        {
            var found = s.IndexOf(sep, position, StringComparison.Ordinal);
            if (found < 0)
                break;
            parts.Add(s[position..found]);
            position = found + sep.Length;
        }
        parts.Add(s[position..]);
        return parts;
    }

    static List<object?> RightSplit(string s, object? separator, object? maxSplit)
    {
        var limit = PyOps.ToLong(maxSplit);
        if (limit < 0 || separator is null)
            return Split(s, separator, maxSplit);
        var sep = ArgumentString(separator);
        var parts = new List<object?>();
        var end = s.Length;
        while (parts.Count < limit)
        {
            var found = end == 0 ? -1 : s.LastIndexOf(sep, end - 1, StringComparison.Ordinal);
            if (found < 0 || found + sep.Length > end)
                break;
            parts.Insert(0, s[(found + sep.Length)..end]);
            end = found;
        }
        parts.Insert(0, s[..end]);
        return parts;
    }

    static bool MatchesAny(object? candidates, Func<string, bool> matches) => candidates switch
    {
        string one => matches(one),
        object?[] tuple => tuple.Any(item => matches(ArgumentString(item))),
        _ => throw new ChatTemplateException($"startswith/endswith first arg must be str or a tuple of str, not {PyOps.TypeName(candidates)}"),
    };

    static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0)
            return old.Length == 0 ? string.Join(replacement, ["", .. PyOps.Iterate(s).Cast<string>(), ""]) : s.Replace(old, replacement, StringComparison.Ordinal);
        var result = new StringBuilder();
        var position = 0;
        for (var done = 0; done < count; done++)
        {
            var found = s.IndexOf(old, position, StringComparison.Ordinal);
            if (found < 0 || old.Length == 0)
                break;
            result.Append(s, position, found - position).Append(replacement);
            position = found + old.Length;
        }
        return result.Append(s, position, s.Length - position).ToString();
    }

    static int Count(string s, string sub)
    {
        if (sub.Length == 0)
            return s.Length + 1;
        var count = 0;
        for (var i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    /// <summary>Python's <c>str.title</c>: upper-case a letter after a non-letter, lower-case the others.</summary>
    public static string Title(string s)
    {
        var builder = new StringBuilder(s.Length);
        var previousIsLetter = false;
        foreach (var c in s)
        {
            builder.Append(previousIsLetter ? char.ToLower(c, CultureInfo.InvariantCulture) : char.ToUpper(c, CultureInfo.InvariantCulture));
            previousIsLetter = char.IsLetter(c);
        }
        return builder.ToString();
    }
}
