using SharpTune.Recipes;

namespace SharpTune.Tests.Recipes;

public class RecipeRoundTripTests
{
    static Recipe Reload(Recipe recipe) => RecipeText.Parse(recipe.ToYaml());

    [Fact]
    public void DefaultsRoundTrip()
    {
        var recipe = RecipeText.Parse(RecipeText.Minimal);

        Assert.Equal(recipe, Reload(recipe));
    }

    [Fact]
    public void EveryValueRoundTrips()
    {
        var recipe = RecipeText.Parse(RecipeText.Minimal,
            "objective=cpt", "mechanism=full", "precision=bf16", "device=cpu",
            "data.eval_fraction=0.125", "data.format=chat", "data.max_length=1024", "data.packing=false",
            "data.mask_history=true", "lora.r=64", "lora.alpha=8.5", "lora.dropout=0.1", "lora.target_modules=q_proj,k_proj,gate_proj",
            "lora.use_rslora=true", "lora.use_dora=true", "bitfit.target_modules=q_proj", "subtuning.top_k=2",
            "subtuning.calibration_examples=4", "diff_pruning.sparsity=0.9", "diff_pruning.target_modules=v_proj",
            "diff_pruning.ramp_fraction=0.25", "adapter.bottleneck_size=8", "adapter.mh_adapter=false",
            "adapter.non_linearity=gelu", "prefix.num_virtual_tokens=4", "prefix.prefix_projection=true",
            "prefix.encoder_hidden_size=32", "head.pooling=mean", "head.hidden_size=16", "head.num_layers=3", "head.class_weights=balanced",
            "data.text_field=verse_text", "data.label_field=sentiment",
            "training.epochs=2", "training.max_steps=1000", "training.batch_size=1",
            "training.gradient_accumulation_steps=16", "training.learning_rate=3e-5", "training.lr_scheduler=constant",
            "training.warmup_steps=100", "training.weight_decay=0.1", "training.max_grad_norm=0",
            "training.seed=0", "training.eval_steps=25", "training.save_steps=250", "training.logging_steps=10",
            "training.optimizer=adamw8bit", "training.optimizer_state_device=cpu");

        Assert.Equal(recipe, Reload(recipe));
    }

    [Fact]
    public void EvalFileRoundTrips()
    {
        var recipe = RecipeText.Parse(RecipeText.Minimal + "\n  eval: dev.jsonl");

        Assert.Equal(recipe, Reload(recipe));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("123")]
    [InlineData("true")]
    [InlineData("it's here")]
    [InlineData("a: b # c")]
    [InlineData("[x]")]
    public void AwkwardPathsStayStrings(string folderName)
    {
        var recipe = RecipeText.Parse(RecipeText.Minimal) with { OutputDir = Path.Combine("/runs", folderName) };

        Assert.Equal(recipe, Reload(recipe));
    }

    [Fact]
    public void WrittenKeysMatchSchema()
    {
        var yaml = RecipeText.Parse(RecipeText.Minimal).ToYaml();

        var root = (RecipeMapping)RecipeNodeReader.ReadDocument(yaml, "written.yaml")!;
        var keys = root.Entries.SelectMany(e => e.Value is RecipeMapping section
            ? section.Entries.Select(child => $"{e.Key.Value}.{child.Key.Value}")
            : [e.Key.Value]);

        string[] expected =
        [
            "model", "from_scratch", "objective", "mechanism", "precision", "device", "output_dir",
            "data.train", "data.eval", "data.eval_fraction", "data.format", "data.max_length", "data.packing",
            "data.mask_history", "data.text_field", "data.label_field",
            "lora.r", "lora.alpha", "lora.dropout", "lora.target_modules", "lora.use_rslora", "lora.use_dora",
            "reft.layers", "reft.r", "reft.first_positions", "reft.last_positions", "reft.source_prompt",
            "reft.generated_positions", "reft.prefix_length", "reft.bias_target", "reft.kp", "reft.ki", "reft.kd",
            "bitfit.target_modules",
            "subtuning.top_k", "subtuning.calibration_examples",
            "diff_pruning.sparsity", "diff_pruning.target_modules", "diff_pruning.ramp_fraction",
            "adapter.bottleneck_size", "adapter.mh_adapter", "adapter.output_adapter", "adapter.non_linearity",
            "prefix.num_virtual_tokens", "prefix.prefix_projection", "prefix.encoder_hidden_size",
            "head.pooling", "head.hidden_size", "head.num_layers", "head.class_weights",
            "dpo.beta", "dpo.loss_type", "dpo.precompute_ref_log_probs", "dpo.simpo_gamma",
            "rl.algorithm", "rl.reward", "rl.reward_word", "rl.reward_length_unit", "rl.reward_target_length", "rl.reward_model", "rl.reward_model_base",
            "rl.rollout_batch_size", "rl.num_generations", "rl.max_new_tokens", "rl.temperature", "rl.top_k", "rl.top_p",
            "rl.kl_coef", "rl.adaptive_kl", "rl.target_kl", "rl.kl_horizon", "rl.beta", "rl.gamma", "rl.lam",
            "rl.cliprange", "rl.cliprange_value", "rl.vf_coef", "rl.ppo_epochs",
            "training.epochs", "training.max_steps", "training.batch_size", "training.gradient_accumulation_steps",
            "training.learning_rate", "training.lr_scheduler", "training.warmup_steps", "training.weight_decay",
            "training.max_grad_norm", "training.seed", "training.eval_steps", "training.save_steps", "training.logging_steps",
            "training.gradient_checkpointing", "training.optimizer", "training.optimizer_state_device",
        ];
        Assert.Equal(expected, keys);
    }

    [Fact]
    public void LearningRateWrittenAsDecimal()
    {
        var yaml = RecipeText.Parse(RecipeText.Minimal).ToYaml();

        Assert.Contains("\n  learning_rate: 0.0002\n", yaml);
    }

    [Fact]
    public void ModuleNamesWrittenPlain()
    {
        var yaml = RecipeText.Parse(RecipeText.Minimal).ToYaml();

        Assert.Contains("\n  target_modules: [q_proj, v_proj]\n", yaml);
    }

    [Fact]
    public void AwkwardModuleNamesRoundTrip()
    {
        var recipe = RecipeText.Parse(RecipeText.Minimal, "lora.target_modules=['null', 'a b', 'x,y', model.layers.0.q_proj]");

        Assert.Equal(recipe, Reload(recipe));
    }

    [Fact]
    public void UnsetPackingWrittenAsNull()
    {
        var yaml = RecipeText.Parse(RecipeText.Minimal).ToYaml();

        Assert.Contains("\n  packing: null\n", yaml);
    }

    [Fact]
    public void SavedFileLoadsFromOtherFolder()
    {
        var recipe = RecipeText.Parse(RecipeText.Minimal);
        var path = Path.Combine(TestPaths.NewTempDir("sharptune-recipe"), "recipe.yaml");
        File.WriteAllText(path, recipe.ToYaml());

        var loaded = RecipeLoader.Load(path);

        Assert.Equal(recipe, loaded);
    }

    [Fact]
    public void LoraEqualityComparesModules()
    {
        var first = new LoraOptions { TargetModules = new List<string> { "q_proj", "k_proj" } };
        var second = new LoraOptions { TargetModules = new[] { "q_proj", "k_proj" } };
        var reordered = new LoraOptions { TargetModules = new[] { "k_proj", "q_proj" } };

        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.NotEqual(first, reordered);
    }
}
