using System.Text.Json;

namespace SharpTune.Data;

/// <summary>Typed field access on a <see cref="JsonRecord"/> that raises errors naming the file, line and field.</summary>
internal static class RecordFields
{
    /// <summary>Returns the first of <paramref name="aliases"/> present in the record, or null; raises if several are.</summary>
    public static string? FindAlias(JsonRecord record, IReadOnlyList<string> aliases, string hint)
    {
        var present = aliases.Where(name => record.Value.TryGetProperty(name, out _)).ToList();
        if (present.Count > 1)
        {
            throw At(record, aliases[0],
                $"fields {string.Join(" and ", present.Select(Quote))} are both present, so it is unclear which to use; " +
                $"keep one of them ({hint})");
        }
        return present.Count == 1 ? present[0] : null;
    }

    /// <summary>
    /// Reads a required string stored under any of <paramref name="aliases"/>. Errors for a missing field name the
    /// first alias, the canonical name, and errors for a wrong type name the field as the file spells it.
    /// </summary>
    public static string RequireString(JsonRecord record, IReadOnlyList<string> aliases, string hint)
    {
        var name = FindAlias(record, aliases, hint);
        if (name is null)
        {
            var alternatives = aliases.Count > 1
                ? $" (also looked for {string.Join(", ", aliases.Skip(1).Select(Quote))})"
                : "";
            throw At(record, aliases[0], $"missing{alternatives}; {hint}");
        }
        return ReadString(record, record.Value.GetProperty(name), name, hint);
    }

    /// <summary>Reads an optional string field; absent or null gives an empty string.</summary>
    public static string OptionalString(JsonRecord record, string name, string hint)
    {
        if (!record.Value.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return "";
        return ReadString(record, value, name, hint);
    }

    public static string ReadString(JsonRecord record, JsonElement value, string field, string hint)
    {
        if (value.ValueKind != JsonValueKind.String)
            throw At(record, field, $"expected a string, found {Describe(value.ValueKind)}; {hint}");
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json rejects a lone UTF-16 surrogate escape such as "\ud800".
            throw At(record, field, "invalid string: it contains an unpaired \\uD800-\\uDFFF escape; fix or remove the character");
        }
    }

    /// <summary>
    /// Raises for the first property of <paramref name="value"/> (the record or an object inside it, whose field names
    /// get <paramref name="prefix"/>) that is not in <paramref name="allowed"/>, so a misspelt field is never dropped.
    /// </summary>
    public static void RejectUnknown(JsonRecord record, JsonElement value, IReadOnlyList<string> allowed, string form, string prefix = "")
    {
        foreach (var property in value.EnumerateObject())
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
                throw At(record, prefix + property.Name,
                    $"unknown field in a {form}; allowed fields are {string.Join(", ", allowed)}, so rename or remove it");
    }

    public static SharpTuneInputException At(JsonRecord record, string field, string problem) =>
        record.Source.Error(field, problem);

    /// <summary>Names a JSON value kind with its article, for messages such as "found a number".</summary>
    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    public static string Quote(string name) => $"`{name}`";
}
