using System.Globalization;

namespace SharpTune.Recipes;

/// <summary>
/// Where a recipe value came from: a file and line, or a <c>--set</c> override, plus the folder
/// that relative paths in it resolve against.
/// </summary>
/// <param name="Location">The recipe path as given, or the override text such as <c>--set lora.r=16</c>.</param>
/// <param name="Line">1-based line in the file; null for an override.</param>
/// <param name="BaseDirectory">Absolute folder for relative paths: the recipe's folder, or the current directory for an override.</param>
internal readonly record struct ValueSource(string Location, long? Line, string BaseDirectory);

/// <summary>
/// Raw recipe values by dotted key, with typed getters that validate each value and raise
/// <see cref="SharpTuneInputException"/> naming its source.
/// </summary>
/// <remarks>
/// Each getter returns null when the key is absent, so the caller falls back to the record's default.
/// A YAML null is accepted only where <c>allowNull</c> is true, and also comes back as null.
/// </remarks>
internal sealed class RecipeValues(string recipeLocation)
{
    readonly Dictionary<string, (RecipeNode Node, ValueSource Source)> values = new(StringComparer.Ordinal);
    readonly Dictionary<string, long> sectionLines = new(StringComparer.Ordinal);
    readonly HashSet<string> readKeys = new(StringComparer.Ordinal);

    /// <summary>Line of the top-level mapping, named in errors about a missing top-level key.</summary>
    public long RootLine { get; set; } = 1;

    /// <summary>Stores a value; a later value for the same key replaces the earlier one, so overrides win.</summary>
    public void Set(string key, RecipeNode node, ValueSource source) => values[key] = (node, source);

    /// <summary>Records the line of a section's key, named in errors about a missing key inside it.</summary>
    public void SetSectionLine(string section, long line) => sectionLines[section] = line;

    public ValueSource SourceOf(string key) => values[key].Source;

    /// <summary>
    /// Builds the error for a required key that is absent or null after the file and the overrides.
    /// The caller reads required keys with <c>allowNull: true</c> so that both cases end here.
    /// </summary>
    public SharpTuneInputException Missing(string key, string example)
    {
        var dot = key.IndexOf('.');
        var section = dot > 0 ? key[..dot] : null;
        var leaf = key[(dot + 1)..];
        if (values.TryGetValue(key, out var entry))
        {
            var fix = entry.Source.Line is null ? $"--set {key}={example}" : $"'{leaf}: {example}'";
            return Error(key, entry.Source, $"a value is required; set it, for example {fix}");
        }

        long line = section is not null && sectionLines.TryGetValue(section, out var sectionLine) ? sectionLine : RootLine;
        var place = section is null ? "" : $" under '{section}:'";
        return SharpTuneInputException.At(recipeLocation, line, key,
            $"missing required key; add '{leaf}: {example}'{place} or pass --set {key}={example}");
    }

    /// <summary>Throws if a stored key was never read, which means the builder and <see cref="RecipeKeys.All"/> disagree.</summary>
    public void EnsureAllRead()
    {
        var unread = values.Keys.Where(k => !readKeys.Contains(k)).ToList();
        if (unread.Count > 0)
            throw new InvalidOperationException($"Recipe keys accepted but never read: {string.Join(", ", unread)}.");
    }

    /// <summary>Reads a file or folder path and resolves it against its source's base folder.</summary>
    public string? Path(string key, bool allowNull = false)
    {
        if (!TryRead(key, allowNull, "a path", out var scalar, out var source))
            return null;
        if (scalar.Value.Length == 0)
            throw Error(key, source, "the path is empty; set a file or folder path");
        return System.IO.Path.GetFullPath(scalar.Value, source.BaseDirectory);
    }

    public T? Enum<T>(string key, bool allowNull = false) where T : struct, System.Enum
    {
        var allowed = string.Join(", ", RecipeEnum.AllowedValues<T>());
        if (!TryRead(key, allowNull, $"one of: {allowed}", out var scalar, out var source))
            return null;
        if (!RecipeEnum.TryParse<T>(scalar.Value, out var value))
            throw Error(key, source, $"{scalar.Description} is not allowed; use one of: {allowed}");
        return value;
    }

    public int? Int(string key, int min, bool allowNull = false)
    {
        var expected = $"a whole number >= {min}";
        if (!TryRead(key, allowNull, expected, out var scalar, out var source))
            return null;
        RejectQuoted(key, scalar, source, expected);
        if (!int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw Error(key, source, $"{scalar.Description} is not a whole number; set {expected}");
        if (value < min)
            throw Error(key, source, $"{value} is out of range; set {expected}");
        return value;
    }

    /// <summary>Reads a finite number in [min, max), or [min, infinity) when max is null.</summary>
    public double? Number(string key, double min, double? maxExclusive = null, bool minExclusive = false)
    {
        var lower = minExclusive ? $"> {Format(min)}" : $">= {Format(min)}";
        var expected = maxExclusive is null ? $"a number {lower}" : $"a number {lower} and < {Format(maxExclusive.Value)}";
        if (!TryRead(key, false, expected, out var scalar, out var source))
            return null;
        RejectQuoted(key, scalar, source, expected);
        if (!double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw Error(key, source, $"{scalar.Description} is not a finite number; set {expected}");
        var belowMin = minExclusive ? value <= min : value < min;
        if (belowMin || value >= maxExclusive)
            throw Error(key, source, $"{scalar.Value} is out of range; set {expected}");
        return value;
    }

    /// <summary>Reads a non-empty string, quoted or not.</summary>
    public string? Text(string key, bool allowNull = false)
    {
        if (!TryRead(key, allowNull, "a string", out var scalar, out var source))
            return null;
        if (scalar.Value.Length == 0)
            throw Error(key, source, "the string is empty; set some text or remove the key");
        return scalar.Value;
    }

    public bool? Bool(string key, bool allowNull = false)
    {
        const string expected = "true or false";
        if (!TryRead(key, allowNull, expected, out var scalar, out var source))
            return null;
        RejectQuoted(key, scalar, source, expected);
        return scalar.Value.ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            _ => throw Error(key, source, $"{scalar.Description} is not a boolean; use {expected}"),
        };
    }

    /// <summary>Reads one non-empty name, such as a record field name.</summary>
    public string? Name(string key)
    {
        const string expected = "a field name such as text";
        if (!TryRead(key, false, expected, out var scalar, out var source))
            return null;
        if (scalar.Value.Trim().Length == 0)
            throw Error(key, source, $"the name is empty; set {expected}");
        return scalar.Value.Trim();
    }

    /// <summary>Reads a non-empty list of names from a YAML list, or from one string of comma-separated names.</summary>
    public IReadOnlyList<string>? NameList(string key, bool allowNull = false)
    {
        const string expected = "a list of names such as [q_proj, v_proj] or q_proj,v_proj";
        if (!values.TryGetValue(key, out var entry))
            return null;
        readKeys.Add(key);
        var source = entry.Source;

        List<string> names;
        switch (entry.Node)
        {
            case RecipeScalar { IsNull: true } when allowNull:
                return null;
            case RecipeScalar { IsNull: true }:
                throw Error(key, source, $"null is not allowed; set {expected}, or remove the key to use the default");
            case RecipeScalar scalar:
                names = scalar.Value.Split(',').Select(n => n.Trim()).ToList();
                break;
            case RecipeSequence sequence:
                names = [];
                foreach (var item in sequence.Items)
                {
                    if (item is not RecipeScalar { IsNull: false } name)
                        throw Error(key, source, $"a list item is {item.Description}; set {expected}");
                    names.Add(name.Value.Trim());
                }
                break;
            default:
                throw Error(key, source, $"expected {expected}, got {entry.Node.Description}");
        }

        if (names.Count == 0)
            throw Error(key, source, $"the list is empty; set {expected}");
        if (names.Any(n => n.Length == 0))
            throw Error(key, source, $"the list has an empty name; set {expected}");
        return names.AsReadOnly();
    }

    public SharpTuneInputException Error(string key, ValueSource source, string problem) =>
        SharpTuneInputException.At(source.Location, source.Line, key, problem);

    // Returns false when the key is absent or is an allowed null; otherwise returns the non-null scalar.
    bool TryRead(string key, bool allowNull, string expected, out RecipeScalar scalar, out ValueSource source)
    {
        scalar = null!;
        source = default;
        if (!values.TryGetValue(key, out var entry))
            return false;
        readKeys.Add(key);
        source = entry.Source;

        if (entry.Node is not RecipeScalar found)
            throw Error(key, source, $"expected {expected}, got {entry.Node.Description}");
        if (found.IsNull)
        {
            if (allowNull)
                return false;
            throw Error(key, source, $"null is not allowed; set {expected}, or remove the key to use the default");
        }
        scalar = found;
        return true;
    }

    // YAML reads a quoted "4" as a string, so a quoted number is a type error in the file.
    void RejectQuoted(string key, RecipeScalar scalar, ValueSource source, string expected)
    {
        if (!scalar.IsPlain)
            throw Error(key, source, $"{scalar.Description} is a string; set {expected} without quotes");
    }

    static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
