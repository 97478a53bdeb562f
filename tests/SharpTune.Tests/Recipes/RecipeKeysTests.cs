using SharpTune.Recipes;

namespace SharpTune.Tests.Recipes;

public class RecipeKeysTests
{
    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("flaw", "lawn", 2)]
    [InlineData("", "abc", 3)]
    [InlineData("same", "same", 0)]
    public void EditDistanceKnownPairs(string a, string b, int expected)
    {
        Assert.Equal(expected, RecipeKeys.EditDistance(a, b));
    }

    [Theory]
    [InlineData("training.learnig_rate", "did you mean training.learning_rate?")]
    [InlineData("output-dir", "did you mean output_dir?")]
    [InlineData("alpha", "did you mean lora.alpha?")]
    [InlineData("lora.target_module", "did you mean lora.target_modules?")]
    [InlineData("trainig", "did you mean training?")]
    public void SuggestionsForSlips(string key, string expected)
    {
        Assert.Equal(expected, RecipeKeys.SuggestFor(key));
    }
}
