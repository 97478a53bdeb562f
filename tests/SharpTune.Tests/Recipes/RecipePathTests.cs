using SharpTune.Recipes;

namespace SharpTune.Tests.Recipes;

public class RecipePathTests
{
    readonly string recipeDir = TestPaths.NewTempDir("sharptune-recipe");
    readonly string otherDir = TestPaths.NewTempDir("sharptune-cwd");

    string WriteRecipe(string yaml)
    {
        var path = Path.Combine(recipeDir, "recipe.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public void FilePathsResolveAgainstRecipeFolder()
    {
        var path = WriteRecipe(RecipeText.Minimal + "\n  eval: data/dev.jsonl");

        var recipe = RecipeLoader.Load(path, [], otherDir);

        Assert.Equal(Path.Combine(recipeDir, "models", "tiny"), recipe.Model);
        Assert.Equal(Path.Combine(recipeDir, "out"), recipe.OutputDir);
        Assert.Equal(Path.Combine(recipeDir, "train.jsonl"), recipe.Data.Train);
        Assert.Equal(Path.Combine(recipeDir, "data", "dev.jsonl"), recipe.Data.Eval);
    }

    [Fact]
    public void ParentFolderSegmentsResolve()
    {
        var path = WriteRecipe(RecipeText.Minimal.Replace("models/tiny", "../shared/models/tiny"));

        var recipe = RecipeLoader.Load(path, [], otherDir);

        var parent = Directory.GetParent(recipeDir)!.FullName;
        Assert.Equal(Path.Combine(parent, "shared", "models", "tiny"), recipe.Model);
    }

    [Fact]
    public void AbsolutePathKept()
    {
        var path = WriteRecipe(RecipeText.Minimal.Replace("models/tiny", "/opt/models/tiny"));

        var recipe = RecipeLoader.Load(path, [], otherDir);

        Assert.Equal("/opt/models/tiny", recipe.Model);
    }

    [Fact]
    public void RelativeRecipePathResolvesAgainstCurrentDirectory()
    {
        WriteRecipe(RecipeText.Minimal);
        var relative = Path.GetRelativePath(otherDir, Path.Combine(recipeDir, "recipe.yaml"));

        var recipe = RecipeLoader.Load(relative, [], otherDir);

        Assert.Equal(Path.Combine(recipeDir, "train.jsonl"), recipe.Data.Train);
    }

    [Fact]
    public void OverridePathsResolveAgainstCurrentDirectory()
    {
        var path = WriteRecipe(RecipeText.Minimal);

        var recipe = RecipeLoader.Load(path, ["data.eval=dev.jsonl", "output_dir=runs/b"], otherDir);

        Assert.Equal(Path.Combine(otherDir, "dev.jsonl"), recipe.Data.Eval);
        Assert.Equal(Path.Combine(otherDir, "runs", "b"), recipe.OutputDir);
    }

    [Fact]
    public void MissingPathsNotChecked()
    {
        var path = WriteRecipe(RecipeText.Minimal);

        var recipe = RecipeLoader.Load(path, [], otherDir);

        Assert.False(Directory.Exists(recipe.Model));
    }

    [Fact]
    public void EmptyPathRejected()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal.Replace("output_dir: out", "output_dir: ''"));

        Assert.Equal("recipe.yaml:4: output_dir: the path is empty; set a file or folder path", message);
    }
}
