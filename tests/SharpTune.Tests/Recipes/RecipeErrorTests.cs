using SharpTune.Recipes;

namespace SharpTune.Tests.Recipes;

public class RecipeErrorTests
{
    [Fact]
    public void UnknownKeySuggestsClosest()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal + """

            training:
              learnig_rate: 1e-4
            """);

        Assert.Equal("recipe.yaml:8: training.learnig_rate: unknown key; did you mean training.learning_rate?", message);
    }

    [Fact]
    public void UnknownKeyIgnoresCaseInSuggestion()
    {
        var message = RecipeText.ErrorOf("Model: m\n" + RecipeText.Minimal);

        Assert.Equal("recipe.yaml:1: Model: unknown key; did you mean model?", message);
    }

    [Fact]
    public void KeyInWrongSectionSuggestsRightOne()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal + "\n  learning_rate: 1e-4");

        Assert.Equal("recipe.yaml:7: data.learning_rate: unknown key; did you mean training.learning_rate?", message);
    }

    [Fact]
    public void MisspelledSectionSuggestsSection()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal + "\ntrainng:\n  seed: 1");

        Assert.Equal("recipe.yaml:7: trainng: unknown key; did you mean training?", message);
    }

    [Fact]
    public void UnknownKeyWithoutNearMatchListsSection()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal + "\nlora:\n  bias: none");

        Assert.Equal("recipe.yaml:8: lora.bias: unknown key; known keys in lora: r, alpha, dropout, target_modules, use_rslora, use_dora", message);
    }

    [Fact]
    public void DottedKeyInFileRejected()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal + "\ntraining.seed: 1");

        Assert.Equal("recipe.yaml:7: training.seed: dotted keys are for --set; in the file, write 'seed:' indented under 'training:'", message);
    }

    [Theory]
    [InlineData("training:\n  batch_size: four", "recipe.yaml:8: training.batch_size: 'four' is not a whole number; set a whole number >= 1")]
    [InlineData("training:\n  batch_size: 2.5", "recipe.yaml:8: training.batch_size: '2.5' is not a whole number; set a whole number >= 1")]
    [InlineData("training:\n  batch_size: \"4\"", "recipe.yaml:8: training.batch_size: the quoted string \"4\" is a string; set a whole number >= 1 without quotes")]
    [InlineData("training:\n  learning_rate: fast", "recipe.yaml:8: training.learning_rate: 'fast' is not a finite number; set a number > 0")]
    [InlineData("training:\n  learning_rate: .inf", "recipe.yaml:8: training.learning_rate: '.inf' is not a finite number; set a number > 0")]
    [InlineData("training:\n  batch_size: [4]", "recipe.yaml:8: training.batch_size: expected a whole number >= 1, got a list")]
    [InlineData("lora:\n  dropout: {p: 0.1}", "recipe.yaml:8: lora.dropout: expected a number >= 0 and < 1, got a mapping")]
    [InlineData("lora:\n  target_modules: {q: 1}", "recipe.yaml:8: lora.target_modules: expected a list of names such as [q_proj, v_proj] or q_proj,v_proj, got a mapping")]
    [InlineData("lora:\n  target_modules:\n    - q_proj\n    - {k: 1}", "recipe.yaml:8: lora.target_modules: a list item is a mapping; set a list of names such as [q_proj, v_proj] or q_proj,v_proj")]
    [InlineData("data_extra: 1", "recipe.yaml:7: data_extra: unknown key; known top-level keys: model, from_scratch, objective, mechanism, precision, device, output_dir, data, lora, reft, bitfit, subtuning, diff_pruning, adapter, prefix, head, dpo, rl, training")]
    [InlineData("precision: [bf16]", "recipe.yaml:7: precision: expected one of: fp32, bf16, fp16, nf4, fp4, int8, got a list")]
    public void WrongTypeNamesLineAndKey(string appended, string expected)
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal + "\n" + appended);

        Assert.Equal(expected, message);
    }

    [Theory]
    [InlineData("training:\n  batch_size: 0", "recipe.yaml:8: training.batch_size: 0 is out of range; set a whole number >= 1")]
    [InlineData("training:\n  warmup_steps: -1", "recipe.yaml:8: training.warmup_steps: -1 is out of range; set a whole number >= 0")]
    [InlineData("training:\n  learning_rate: 0", "recipe.yaml:8: training.learning_rate: 0 is out of range; set a number > 0")]
    [InlineData("training:\n  max_grad_norm: -0.5", "recipe.yaml:8: training.max_grad_norm: -0.5 is out of range; set a number >= 0")]
    [InlineData("training:\n  max_steps: 0", "recipe.yaml:8: training.max_steps: 0 is out of range; set a whole number >= 1")]
    [InlineData("  eval_fraction: 1", "recipe.yaml:7: data.eval_fraction: 1 is out of range; set a number >= 0 and < 1")]
    [InlineData("  max_length: 1", "recipe.yaml:7: data.max_length: 1 is out of range; set a whole number >= 2")]
    [InlineData("lora:\n  dropout: 1.0", "recipe.yaml:8: lora.dropout: 1.0 is out of range; set a number >= 0 and < 1")]
    [InlineData("lora:\n  r: 0", "recipe.yaml:8: lora.r: 0 is out of range; set a whole number >= 1")]
    [InlineData("lora:\n  alpha: 0", "recipe.yaml:8: lora.alpha: 0 is out of range; set a number > 0")]
    [InlineData("lora:\n  target_modules: []", "recipe.yaml:8: lora.target_modules: the list is empty; set a list of names such as [q_proj, v_proj] or q_proj,v_proj")]
    [InlineData("lora:\n  target_modules: q_proj,,v_proj", "recipe.yaml:8: lora.target_modules: the list has an empty name; set a list of names such as [q_proj, v_proj] or q_proj,v_proj")]
    public void OutOfRangeNamesLineAndRange(string appended, string expected)
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal + "\n" + appended);

        Assert.Equal(expected, message);
    }

    [Theory]
    [InlineData("objective: sft", "objective: ppo", "recipe.yaml:2: objective: 'ppo' is not allowed; use one of: cpt, sft, classify, dpo, reward, orpo, simpo, rlhf")]
    [InlineData("mechanism: lora", "mechanism: ia3", "recipe.yaml:3: mechanism: 'ia3' is not allowed; use one of: full, lora, loreft, direft, dii, brep, bitfit, subtuning, diff_pruning, adapter, prefix, linear_probe, mlp_head, projection_head, qlora")]
    public void DisallowedRequiredValueListsAllowed(string line, string replacement, string expected)
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal.Replace(line, replacement));

        Assert.Equal(expected, message);
    }

    [Theory]
    [InlineData("precision: fp8", "recipe.yaml:7: precision: 'fp8' is not allowed; use one of: fp32, bf16, fp16, nf4, fp4, int8")]
    [InlineData("device: mps", "recipe.yaml:7: device: 'mps' is not allowed; use one of: auto, cpu, cuda")]
    [InlineData("  format: sharegpt", "recipe.yaml:7: data.format: 'sharegpt' is not allowed; use one of: auto, text, alpaca, chat")]
    [InlineData("training:\n  lr_scheduler: step", "recipe.yaml:8: training.lr_scheduler: 'step' is not allowed; use one of: cosine, linear, constant")]
    [InlineData("  packing: yes", "recipe.yaml:7: data.packing: 'yes' is not a boolean; use true or false")]
    public void DisallowedValueListsAllowed(string appended, string expected)
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal + "\n" + appended);

        Assert.Equal(expected, message);
    }

    [Theory]
    [InlineData("model", "recipe.yaml:1: model: missing required key; add 'model: path/to/model' or pass --set model=path/to/model")]
    [InlineData("objective", "recipe.yaml:1: objective: missing required key; add 'objective: sft' or pass --set objective=sft")]
    [InlineData("mechanism", "recipe.yaml:1: mechanism: missing required key; add 'mechanism: lora' or pass --set mechanism=lora")]
    [InlineData("output_dir", "recipe.yaml:1: output_dir: missing required key; add 'output_dir: runs/my-run' or pass --set output_dir=runs/my-run")]
    public void MissingRequiredKeyNamed(string key, string expected)
    {
        var yaml = string.Join('\n', RecipeText.Minimal.Split('\n').Where(l => !l.StartsWith(key + ":")));

        var message = RecipeText.ErrorOf(yaml);

        Assert.Equal(expected, message);
    }

    [Fact]
    public void MissingTrainNamesDataLine()
    {
        var message = RecipeText.ErrorOf("model: m\nobjective: cpt\nmechanism: full\noutput_dir: o\ndata:\n  format: text\n");

        Assert.Equal("recipe.yaml:5: data.train: missing required key; add 'train: train.jsonl' under 'data:' or pass --set data.train=train.jsonl", message);
    }

    [Fact]
    public void MissingDataSectionNamesTrain()
    {
        var message = RecipeText.ErrorOf("model: m\nobjective: cpt\nmechanism: full\noutput_dir: o\n");

        Assert.Equal("recipe.yaml:1: data.train: missing required key; add 'train: train.jsonl' under 'data:' or pass --set data.train=train.jsonl", message);
    }

    [Fact]
    public void NullRequiredKeyNamesItsLine()
    {
        var yaml = RecipeText.Minimal.Replace("model: models/tiny", "model:");

        var message = RecipeText.ErrorOf(yaml);

        Assert.Equal("recipe.yaml:1: model: a value is required; set it, for example 'model: path/to/model'", message);
    }

    [Fact]
    public void NullForDefaultedKeyRejected()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal + "\ntraining:\n  batch_size: ~");

        Assert.Equal("recipe.yaml:8: training.batch_size: null is not allowed; set a whole number >= 1, or remove the key to use the default", message);
    }

    [Fact]
    public void DuplicateKeyNamesBothLines()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal + "\ntraining:\n  seed: 1\n  epochs: 2\n  seed: 3");

        Assert.Equal("recipe.yaml:10: seed: duplicate key (first set on line 8); keep one of the two", message);
    }

    [Fact]
    public void DuplicateTopLevelKey()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal + "\nobjective: cpt");

        Assert.Equal("recipe.yaml:7: objective: duplicate key (first set on line 2); keep one of the two", message);
    }

    [Fact]
    public void ListFileIsNotMapping()
    {
        var message = RecipeText.ErrorOf("- model: m\n- objective: sft\n");

        Assert.Equal("recipe.yaml:1: a recipe must be a mapping of keys to values ('key: value' lines), not a list", message);
    }

    [Fact]
    public void ScalarFileIsNotMapping()
    {
        var message = RecipeText.ErrorOf("# a comment\njust text\n");

        Assert.Equal("recipe.yaml:2: a recipe must be a mapping of keys to values ('key: value' lines), not 'just text'", message);
    }

    [Fact]
    public void EmptyFileRejected()
    {
        var message = RecipeText.ErrorOf("# nothing here\n");

        Assert.Equal("recipe.yaml:1: the recipe is empty; write a mapping with at least model, objective, mechanism, output_dir and data.train", message);
    }

    [Fact]
    public void SectionNotMappingRejected()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal + "\ntraining: 5");

        Assert.Equal("recipe.yaml:7: training: expected a mapping of training keys, got '5'; indent 'key: value' lines under 'training:'", message);
    }

    [Fact]
    public void SyntaxErrorNamesLine()
    {
        var message = RecipeText.ErrorOf("model: m\nobjective: sft\nmechanism: lora: full\noutput_dir: o\n");

        Assert.StartsWith("recipe.yaml:3: invalid YAML: ", message);
    }

    [Fact]
    public void UnclosedListNamesLine()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal + "\nlora:\n  target_modules: [q_proj, v_proj\n");

        Assert.StartsWith("recipe.yaml:", message);
        Assert.Contains(": invalid YAML: ", message);
    }

    [Fact]
    public void SecondDocumentRejected()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal + "\n---\nmodel: other\n");

        Assert.Equal("recipe.yaml:7: a second YAML document starts here; a recipe is one document, so remove the '---' and what follows", message);
    }

    [Fact]
    public void AliasRejected()
    {
        var message = RecipeText.ErrorOf("model: &m models/tiny\nobjective: sft\nmechanism: lora\noutput_dir: *m\ndata:\n  train: t\n");

        Assert.Equal("recipe.yaml:4: YAML alias '*m' is not supported in recipes; write the value out", message);
    }

    [Fact]
    public void EvalFileAndFractionConflict()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal + "\n  eval: dev.jsonl\n  eval_fraction: 0.1");

        Assert.Equal("recipe.yaml:8: data.eval_fraction: data.eval is also set; use either an eval file or a held-out fraction, so remove one of the two", message);
    }

    [Fact]
    public void EvalStepsNeedEvalData()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal + "\ntraining:\n  eval_steps: 10");

        Assert.Equal("recipe.yaml:8: training.eval_steps: there is no eval data; set data.eval or data.eval_fraction, or remove training.eval_steps", message);
    }

    [Fact]
    public void MissingFileNamed()
    {
        var path = Path.Combine(TestPaths.NewTempDir("sharptune-recipe"), "absent.yaml");

        var message = Assert.Throws<SharpTuneInputException>(() => RecipeLoader.Load(path)).Message;

        Assert.Equal($"{path}: recipe file not found; check the path", message);
    }

    [Fact]
    public void LoadedFileErrorNamesPath()
    {
        var path = Path.Combine(TestPaths.NewTempDir("sharptune-recipe"), "recipe.yaml");
        File.WriteAllText(path, RecipeText.Minimal + "\ntraining:\n  seed: -3\n");

        var message = Assert.Throws<SharpTuneInputException>(() => RecipeLoader.Load(path)).Message;

        Assert.Equal($"{path}:8: training.seed: -3 is out of range; set a whole number >= 0", message);
    }
}
