using System.Text.RegularExpressions;
using SharpTune.Recipes;

namespace SharpTune.Tests.Recipes;

public class RecipeDocsTests
{
    static IReadOnlyList<string> YamlExamples()
    {
        var markdown = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "recipes.md"));
        return Regex.Matches(markdown, "```yaml\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();
    }

    [Fact]
    public void DocsHaveTwoExamples()
    {
        Assert.Equal(2, YamlExamples().Count);
    }

    [Fact]
    public void LoraSftExampleLoads()
    {
        var recipe = RecipeText.Parse(YamlExamples()[0]);

        Assert.Equal(ObjectiveKind.Sft, recipe.Objective);
        Assert.Equal(MechanismKind.Lora, recipe.Mechanism);
    }

    [Fact]
    public void FullCptExampleLoads()
    {
        var recipe = RecipeText.Parse(YamlExamples()[1]);

        Assert.Equal(ObjectiveKind.Cpt, recipe.Objective);
        Assert.Equal(MechanismKind.Full, recipe.Mechanism);
    }

    [Fact]
    public void SchemaTableListsEveryKey()
    {
        var markdown = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "recipes.md"));
        var tableKeys = Regex.Matches(markdown, @"^\| `([a-z_.]+)` \|", RegexOptions.Multiline).Select(m => m.Groups[1].Value);

        Assert.Equal(RecipeKeys.All, tableKeys);
    }
}
