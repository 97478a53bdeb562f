using SharpTune.Recipes;
using SharpTune.Tests.Recipes;

namespace SharpTune.Tests.Preferences;

/// <summary>Which mechanisms the preference and RL objectives accept, and the errors for the others.</summary>
public class PolicyMechanismRecipeTests
{
    const string Preference = """
        model: models/tiny
        objective: dpo
        mechanism: lora
        output_dir: out
        data:
          train: pairs.jsonl
        """;

    [Theory]
    [InlineData("dpo", "qlora", "fp32")]
    [InlineData("dpo", "lora", "nf4")]
    [InlineData("orpo", "lora", "int8")]
    [InlineData("simpo", "qlora", "bf16")]
    [InlineData("reward", "lora", "fp4")]
    [InlineData("dpo", "loreft", "fp32")]
    [InlineData("orpo", "direft", "fp32")]
    [InlineData("simpo", "dii", "fp32")]
    [InlineData("reward", "loreft", "nf4")]
    public void PreferenceObjective_AcceptsFrozenBaseMechanism(string objective, string mechanism, string precision)
    {
        var recipe = RecipeText.Parse(Preference, $"objective={objective}", $"mechanism={mechanism}", $"precision={precision}");

        Assert.Equal(mechanism, RecipeEnum.ToYaml(recipe.Mechanism));
    }

    [Theory]
    [InlineData("dpo")]
    [InlineData("reward")]
    public void PreferenceObjective_RejectsBrepWithReason(string objective)
    {
        var message = RecipeText.ErrorOf(Preference, $"objective={objective}", "mechanism=brep");

        Assert.Contains($"mechanism: brep trains with its own loss (truncated responses plus a bias penalty), which objective {objective} would replace; use loreft, direft or dii", message);
    }

    [Fact]
    public void PreferenceObjective_RejectsMechanismWithoutSwitch()
    {
        var message = RecipeText.ErrorOf(Preference, "mechanism=bitfit");

        Assert.Contains("mechanism: objective dpo supports mechanism full, lora, qlora, loreft, direft or dii; use one of them instead of bitfit", message);
    }
}
