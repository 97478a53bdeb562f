using SharpTune.Recipes;

namespace SharpTune.Tests.Recipes;

/// <summary>Recipe texts and load helpers shared by the recipe tests.</summary>
static class RecipeText
{
    /// <summary>The smallest valid recipe: only the required keys, on lines 1 to 6.</summary>
    public const string Minimal = """
        model: models/tiny
        objective: sft
        mechanism: lora
        output_dir: out
        data:
          train: train.jsonl
        """;

    /// <summary>Folder that recipes parsed from text resolve relative paths against.</summary>
    public static readonly string BaseDirectory = Path.Combine(Path.GetTempPath(), "recipes-base");

    public static Recipe Parse(string yaml, params string[] overrides) =>
        RecipeLoader.Parse(yaml, "recipe.yaml", BaseDirectory, overrides);

    /// <summary>Parses and returns the error message; fails the test when parsing succeeds.</summary>
    public static string ErrorOf(string yaml, params string[] overrides) =>
        Assert.Throws<SharpTuneInputException>(() => Parse(yaml, overrides)).Message;
}
