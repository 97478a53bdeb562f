using SharpTune.Recipes;

namespace SharpTune.Tests.Recipes;

public class RecipeOverrideTests
{
    [Fact]
    public void NumberOverrideReplacesDefault()
    {
        var recipe = RecipeText.Parse(RecipeText.Minimal, "training.learning_rate=1e-4");

        Assert.Equal(0.0001, recipe.Training.LearningRate);
    }

    [Fact]
    public void OverrideBeatsFile()
    {
        var recipe = RecipeText.Parse(RecipeText.Minimal + "\ntraining:\n  batch_size: 2", "training.batch_size=16");

        Assert.Equal(16, recipe.Training.BatchSize);
    }

    [Fact]
    public void LaterOverrideWins()
    {
        var recipe = RecipeText.Parse(RecipeText.Minimal, "lora.r=4", "lora.r=32");

        Assert.Equal(32, recipe.Lora.R);
    }

    [Theory]
    [InlineData("lora.target_modules=[q_proj,k_proj]")]
    [InlineData("lora.target_modules=q_proj,k_proj")]
    [InlineData("lora.target_modules=[ 'q_proj', k_proj ]")]
    [InlineData("lora.target_modules= q_proj , k_proj ")]
    public void ListOverrideForms(string text)
    {
        var recipe = RecipeText.Parse(RecipeText.Minimal, text);

        Assert.Equal(["q_proj", "k_proj"], recipe.Lora.TargetModules);
    }

    [Fact]
    public void OverrideSuppliesRequiredKey()
    {
        var yaml = RecipeText.Minimal.Replace("output_dir: out\n", "");

        var recipe = RecipeText.Parse(yaml, "output_dir=/runs/a");

        Assert.Equal("/runs/a", recipe.OutputDir);
    }

    [Theory]
    [InlineData("training.max_steps=null")]
    [InlineData("training.max_steps=")]
    [InlineData("training.max_steps=~")]
    public void NullOverrideUnsetsOptional(string text)
    {
        var recipe = RecipeText.Parse(RecipeText.Minimal + "\ntraining:\n  max_steps: 100", text);

        Assert.Null(recipe.Training.MaxSteps);
    }

    [Fact]
    public void BoolOverride()
    {
        var recipe = RecipeText.Parse(RecipeText.Minimal, "data.packing=true");

        Assert.True(recipe.Data.Packing);
    }

    [Fact]
    public void EmptyRequiredOverrideRejected()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal, "data.train=");

        Assert.Equal("--set data.train=: data.train: a value is required; set it, for example --set data.train=train.jsonl", message);
    }

    [Fact]
    public void UnknownOverrideKeyNamed()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal, "foo=1");

        Assert.StartsWith("--set foo=1: unknown key; ", message);
    }

    [Fact]
    public void MisspelledOverrideKeySuggests()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal, "training.learnig_rate=1e-4");

        Assert.Equal("--set training.learnig_rate=1e-4: unknown key; did you mean training.learning_rate?", message);
    }

    [Fact]
    public void OverrideWithoutSectionSuggests()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal, "learning_rate=1e-4");

        Assert.Equal("--set learning_rate=1e-4: unknown key; did you mean training.learning_rate?", message);
    }

    [Fact]
    public void OverrideWithoutEqualsRejected()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal, "training.seed");

        Assert.Equal("--set training.seed: expected key=value; write it like --set training.learning_rate=1e-4", message);
    }

    [Fact]
    public void OverrideOfSectionRejected()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal, "lora=16");

        Assert.Equal("--set lora=16: 'lora' is a section; set one of its keys, for example --set lora.r=...", message);
    }

    [Fact]
    public void InvalidOverrideValueNamesOverride()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal, "training.batch_size=0");

        Assert.Equal("--set training.batch_size=0: training.batch_size: 0 is out of range; set a whole number >= 1", message);
    }

    [Fact]
    public void DisallowedOverrideValueListsAllowed()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal, "device=tpu");

        Assert.Equal("--set device=tpu: device: 'tpu' is not allowed; use one of: auto, cpu, cuda", message);
    }

    [Fact]
    public void UnclosedListOverrideRejected()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal, "lora.target_modules=[q_proj");

        Assert.StartsWith("--set lora.target_modules=[q_proj: invalid YAML: ", message);
    }

    [Fact]
    public void OverrideErrorAfterFileNamesOverride()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal + "\n  eval: dev.jsonl", "data.eval_fraction=0.2");

        Assert.StartsWith("--set data.eval_fraction=0.2: data.eval_fraction: data.eval is also set", message);
    }
}
