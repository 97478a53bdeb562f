namespace SharpTune.Recipes;

/// <summary>Loads a <see cref="Recipe"/> from a YAML file plus <c>--set key=value</c> overrides, validating every key once.</summary>
public static class RecipeLoader
{
    /// <summary>
    /// Reads the recipe at <paramref name="path"/>, applies <paramref name="overrides"/> in order (a later
    /// override of the same key wins) and validates the result.
    /// </summary>
    /// <remarks>
    /// Relative paths in the file resolve against the file's folder, so a recipe works from any working
    /// directory. Relative paths in overrides resolve against the current directory. Paths are not checked
    /// for existence.
    /// </remarks>
    /// <exception cref="SharpTuneInputException">
    /// The file is missing, is not valid YAML or is not a mapping. A key is unknown, duplicate, missing,
    /// mistyped or out of range. An override is malformed or invalid. The message names the file and
    /// line, or the override, and the key.
    /// </exception>
    public static Recipe Load(string path, IEnumerable<string>? overrides = null) =>
        Load(path, overrides ?? [], Environment.CurrentDirectory);

    /// <summary>
    /// Parses recipe text as if it were a file at <paramref name="location"/> in <paramref name="baseDirectory"/>;
    /// see <see cref="Load(string, IEnumerable{string})"/>.
    /// </summary>
    public static Recipe Parse(string yaml, string location, string baseDirectory, IEnumerable<string>? overrides = null) =>
        Parse(yaml, location, baseDirectory, overrides ?? [], Environment.CurrentDirectory);

    internal static Recipe Load(string path, IEnumerable<string> overrides, string currentDirectory)
    {
        var fullPath = Path.GetFullPath(path, currentDirectory);
        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SharpTuneInputException(SharpTuneInputException.At(path, null, null, "recipe file not found; check the path").Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SharpTuneInputException(SharpTuneInputException.At(path, null, null, $"could not read the recipe file: {e.Message}").Message, e);
        }

        return Parse(text, path, Path.GetDirectoryName(fullPath)!, overrides, currentDirectory);
    }

    internal static Recipe Parse(string yaml, string location, string baseDirectory, IEnumerable<string> overrides, string currentDirectory)
    {
        var values = new RecipeValues(location);
        ReadFile(yaml, location, baseDirectory, values);

        foreach (var text in overrides)
            RecipeOverride.Apply(text, currentDirectory, values);

        return RecipeBuilder.Build(values);
    }

    static void ReadFile(string yaml, string location, string baseDirectory, RecipeValues values)
    {
        var root = RecipeNodeReader.ReadDocument(yaml, location);
        if (root is null || root is RecipeScalar { IsNull: true })
            throw SharpTuneInputException.At(location, 1, null,
                "the recipe is empty; write a mapping with at least model, objective, mechanism, output_dir and data.train");
        if (root is not RecipeMapping mapping)
            throw SharpTuneInputException.At(location, root.Line, null,
                $"a recipe must be a mapping of keys to values ('key: value' lines), not {root.Description}");
        values.RootLine = mapping.Line;

        foreach (var (key, node) in mapping.Entries)
        {
            if (RecipeKeys.IsSection(key.Value))
                ReadSection(key, node, location, baseDirectory, values);
            else if (RecipeKeys.IsKnown(key.Value) && !key.Value.Contains('.'))
                values.Set(key.Value, node, new ValueSource(location, key.Line, baseDirectory));
            else
                throw UnknownKey(key.Value, key.Line, location);
        }
    }

    static void ReadSection(RecipeScalar sectionKey, RecipeNode node, string location, string baseDirectory, RecipeValues values)
    {
        var section = sectionKey.Value;
        values.SetSectionLine(section, sectionKey.Line);
        if (node is RecipeScalar { IsNull: true })
            return;
        if (node is not RecipeMapping mapping)
            throw SharpTuneInputException.At(location, sectionKey.Line, section,
                $"expected a mapping of {section} keys, got {node.Description}; indent 'key: value' lines under '{section}:'");

        foreach (var (key, value) in mapping.Entries)
        {
            var fullKey = $"{section}.{key.Value}";
            if (!RecipeKeys.IsKnown(fullKey))
                throw UnknownKey(fullKey, key.Line, location);
            values.Set(fullKey, value, new ValueSource(location, key.Line, baseDirectory));
        }
    }

    static SharpTuneInputException UnknownKey(string key, long line, string location)
    {
        // A dotted key such as "training.seed" at the top level is --set syntax; the file nests it.
        if (RecipeKeys.IsKnown(key) && key.Contains('.'))
        {
            var dot = key.IndexOf('.');
            return SharpTuneInputException.At(location, line, key,
                $"dotted keys are for --set; in the file, write '{key[(dot + 1)..]}:' indented under '{key[..dot]}:'");
        }
        return SharpTuneInputException.At(location, line, key, $"unknown key; {RecipeKeys.SuggestFor(key)}");
    }
}
