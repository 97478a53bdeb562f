namespace SharpTune.Recipes;

/// <summary>Parses <c>--set key=value</c> overrides into recipe values.</summary>
internal static class RecipeOverride
{
    /// <summary>
    /// Parses one override such as <c>training.learning_rate=1e-4</c> or <c>lora.target_modules=[q_proj,k_proj]</c>
    /// and stores its value in <paramref name="values"/>. A value that starts with <c>[</c> is read as a YAML
    /// flow list; any other value is an unquoted YAML scalar, so an empty value or <c>null</c> unsets an optional key.
    /// Relative paths resolve against <paramref name="currentDirectory"/>.
    /// </summary>
    public static void Apply(string text, string currentDirectory, RecipeValues values)
    {
        var location = $"--set {text}";
        var equals = text.IndexOf('=');
        if (equals <= 0)
            throw SharpTuneInputException.At(location, null, null,
                "expected key=value; write it like --set training.learning_rate=1e-4");

        var key = text[..equals].Trim();
        var valueText = text[(equals + 1)..].Trim();

        if (RecipeKeys.IsSection(key))
            throw SharpTuneInputException.At(location, null, null,
                $"'{key}' is a section; set one of its keys, for example --set {RecipeKeys.All.First(k => k.StartsWith(key + ".", StringComparison.Ordinal))}=...");
        if (!RecipeKeys.IsKnown(key))
            throw SharpTuneInputException.At(location, null, null, $"unknown key; {RecipeKeys.SuggestFor(key)}");

        var node = valueText.StartsWith('[')
            ? ReadFlowList(valueText, location, key)
            : new RecipeScalar(1, valueText, IsPlain: true);
        values.Set(key, node, new ValueSource(location, null, currentDirectory));
    }

    static RecipeNode ReadFlowList(string valueText, string location, string key)
    {
        var node = RecipeNodeReader.ReadDocument(valueText, location, withLines: false);
        if (node is not RecipeSequence)
            throw SharpTuneInputException.At(location, null, key,
                "a value starting with '[' must be one list such as [q_proj,k_proj]; close the brackets");
        return node;
    }
}
