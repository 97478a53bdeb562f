using SharpTune.Recipes;

namespace SharpTune.Tests.Recipes;

public class RecipeDefaultsTests
{
    readonly Recipe recipe = RecipeText.Parse(RecipeText.Minimal);

    [Fact]
    public void TopLevelDefaults()
    {
        Assert.Equal(PrecisionKind.Fp32, recipe.Precision);
        Assert.Equal(DeviceKind.Auto, recipe.Device);
    }

    [Fact]
    public void RequiredValuesRead()
    {
        Assert.Equal(ObjectiveKind.Sft, recipe.Objective);
        Assert.Equal(MechanismKind.Lora, recipe.Mechanism);
    }

    [Fact]
    public void DataDefaults()
    {
        Assert.Null(recipe.Data.Eval);
        Assert.Equal(0.0, recipe.Data.EvalFraction);
        Assert.Equal(DataFormat.Auto, recipe.Data.Format);
        Assert.Equal(512, recipe.Data.MaxLength);
        Assert.Null(recipe.Data.Packing);
    }

    [Fact]
    public void LoraDefaults()
    {
        Assert.Equal(8, recipe.Lora.R);
        Assert.Equal(16.0, recipe.Lora.Alpha);
        Assert.Equal(0.0, recipe.Lora.Dropout);
        Assert.Equal(["q_proj", "v_proj"], recipe.Lora.TargetModules);
    }

    [Fact]
    public void TrainingDefaults()
    {
        var training = recipe.Training;
        Assert.Equal(1, training.Epochs);
        Assert.Null(training.MaxSteps);
        Assert.Equal(4, training.BatchSize);
        Assert.Equal(1, training.GradientAccumulationSteps);
        Assert.Equal(0.0002, training.LearningRate);
        Assert.Equal(LrSchedulerKind.Cosine, training.LrScheduler);
        Assert.Equal(0, training.WarmupSteps);
        Assert.Equal(0.0, training.WeightDecay);
        Assert.Equal(1.0, training.MaxGradNorm);
        Assert.Equal(42, training.Seed);
        Assert.Null(training.EvalSteps);
        Assert.Null(training.SaveSteps);
        Assert.Equal(1, training.LoggingSteps);
    }

    [Fact]
    public void PackingDefaultFollowsObjective()
    {
        var cpt = RecipeText.Parse(RecipeText.Minimal, "objective=cpt");

        Assert.False(recipe.UsesPacking);
        Assert.True(cpt.UsesPacking);
    }

    [Fact]
    public void PackingExplicitBeatsObjective()
    {
        var cpt = RecipeText.Parse(RecipeText.Minimal + "\n  packing: false", "objective=cpt");

        Assert.False(cpt.UsesPacking);
    }

    [Fact]
    public void EmptySectionsUseDefaults()
    {
        var withEmpty = RecipeText.Parse(RecipeText.Minimal + "\nlora:\ntraining:\n");

        Assert.Equal(recipe, withEmpty);
    }

    [Fact]
    public void AllValuesRead()
    {
        var loaded = RecipeText.Parse("""
            model: m
            objective: cpt
            mechanism: full
            precision: bf16
            device: cuda
            output_dir: o
            data:
              train: t.jsonl
              eval_fraction: 0.1
              format: text
              max_length: 256
              packing: true
            lora:
              r: 16
              alpha: 32
              dropout: 0.05
              target_modules: [q_proj, k_proj, v_proj, o_proj]
            training:
              epochs: 3
              max_steps: 500
              batch_size: 8
              gradient_accumulation_steps: 2
              learning_rate: 1e-5
              lr_scheduler: linear
              warmup_steps: 10
              weight_decay: 0.01
              max_grad_norm: 0
              seed: 7
              eval_steps: 50
              save_steps: 100
              logging_steps: 5
            """);

        var expected = new Recipe
        {
            Model = Path.Combine(RecipeText.BaseDirectory, "m"),
            Objective = ObjectiveKind.Cpt,
            Mechanism = MechanismKind.Full,
            Precision = PrecisionKind.Bf16,
            Device = DeviceKind.Cuda,
            OutputDir = Path.Combine(RecipeText.BaseDirectory, "o"),
            Data = new DataOptions
            {
                Train = Path.Combine(RecipeText.BaseDirectory, "t.jsonl"),
                EvalFraction = 0.1,
                Format = DataFormat.Text,
                MaxLength = 256,
                Packing = true,
            },
            Lora = new LoraOptions { R = 16, Alpha = 32, Dropout = 0.05, TargetModules = ["q_proj", "k_proj", "v_proj", "o_proj"] },
            Training = new TrainingOptions
            {
                Epochs = 3,
                MaxSteps = 500,
                BatchSize = 8,
                GradientAccumulationSteps = 2,
                LearningRate = 0.00001,
                LrScheduler = LrSchedulerKind.Linear,
                WarmupSteps = 10,
                WeightDecay = 0.01,
                MaxGradNorm = 0,
                Seed = 7,
                EvalSteps = 50,
                SaveSteps = 100,
                LoggingSteps = 5,
            },
        };
        Assert.Equal(expected, loaded);
    }

    [Fact]
    public void EnumValuesIgnoreCase()
    {
        var loaded = RecipeText.Parse(RecipeText.Minimal, "precision=BF16");

        Assert.Equal(PrecisionKind.Bf16, loaded.Precision);
    }
}
