namespace SharpTune.Recipes;

/// <summary>Builds a validated <see cref="Recipe"/> from raw values, taking record defaults for absent keys.</summary>
internal static partial class RecipeBuilder
{
    public static Recipe Build(RecipeValues values)
    {
        var recipe = new Recipe
        {
            Model = values.Path("model", allowNull: true) ?? throw values.Missing("model", "path/to/model"),
            FromScratch = values.Bool("from_scratch") ?? false,
            Objective = values.Enum<ObjectiveKind>("objective", allowNull: true) ?? throw values.Missing("objective", "sft"),
            Mechanism = values.Enum<MechanismKind>("mechanism", allowNull: true) ?? throw values.Missing("mechanism", "lora"),
            Precision = values.Enum<PrecisionKind>("precision") ?? PrecisionKind.Fp32,
            Device = values.Enum<DeviceKind>("device") ?? DeviceKind.Auto,
            OutputDir = values.Path("output_dir", allowNull: true) ?? throw values.Missing("output_dir", "runs/my-run"),
            Data = BuildData(values),
            Lora = BuildLora(values),
            Reft = ReftSection.Build(values),
            BitFit = BuildBitFit(values),
            SubTuning = BuildSubTuning(values),
            DiffPruning = BuildDiffPruning(values),
            Adapter = BuildAdapter(values),
            Prefix = BuildPrefix(values),
            Head = BuildHead(values),
            Dpo = BuildDpo(values),
            Rl = RlSection.Build(values),
            Training = BuildTraining(values),
        };
        values.EnsureAllRead();

        CheckEvalSource(values, recipe);
        CheckClassify(values, recipe);
        CheckFourBitBase(values, recipe);
        RlSection.Check(values, recipe);
        return recipe;
    }

    static DataOptions BuildData(RecipeValues values)
    {
        var defaults = new DataOptions { Train = "" };
        return new DataOptions
        {
            Train = values.Path("data.train", allowNull: true) ?? throw values.Missing("data.train", "train.jsonl"),
            Eval = values.Path("data.eval", allowNull: true),
            EvalFraction = values.Number("data.eval_fraction", min: 0, maxExclusive: 1) ?? defaults.EvalFraction,
            Format = values.Enum<DataFormat>("data.format") ?? defaults.Format,
            // A causal language-model example needs one input token and one target token.
            MaxLength = values.Int("data.max_length", min: 2) ?? defaults.MaxLength,
            Packing = values.Bool("data.packing", allowNull: true),
            MaskHistory = values.Bool("data.mask_history") ?? defaults.MaskHistory,
            TextField = values.Name("data.text_field") ?? defaults.TextField,
            LabelField = values.Name("data.label_field") ?? defaults.LabelField,
        };
    }

    static LoraOptions BuildLora(RecipeValues values)
    {
        var defaults = new LoraOptions();
        return new LoraOptions
        {
            R = values.Int("lora.r", min: 1) ?? defaults.R,
            Alpha = values.Number("lora.alpha", min: 0, minExclusive: true) ?? defaults.Alpha,
            Dropout = values.Number("lora.dropout", min: 0, maxExclusive: 1) ?? defaults.Dropout,
            TargetModules = values.NameList("lora.target_modules") ?? defaults.TargetModules,
            UseRsLora = values.Bool("lora.use_rslora") ?? defaults.UseRsLora,
            UseDora = values.Bool("lora.use_dora") ?? defaults.UseDora,
        };
    }

    static DpoOptions BuildDpo(RecipeValues values)
    {
        var defaults = new DpoOptions();
        return new DpoOptions
        {
            Beta = values.Number("dpo.beta", min: 0, minExclusive: true) ?? defaults.Beta,
            LossType = values.Enum<Objectives.DpoLossType>("dpo.loss_type") ?? defaults.LossType,
            PrecomputeRefLogProbs = values.Bool("dpo.precompute_ref_log_probs") ?? defaults.PrecomputeRefLogProbs,
            SimpoGamma = values.Number("dpo.simpo_gamma", min: 0) ?? defaults.SimpoGamma,
        };
    }

    static TrainingOptions BuildTraining(RecipeValues values)
    {
        var defaults = new TrainingOptions();
        return new TrainingOptions
        {
            Epochs = values.Int("training.epochs", min: 1) ?? defaults.Epochs,
            MaxSteps = values.Int("training.max_steps", min: 1, allowNull: true),
            BatchSize = values.Int("training.batch_size", min: 1) ?? defaults.BatchSize,
            GradientAccumulationSteps = values.Int("training.gradient_accumulation_steps", min: 1) ?? defaults.GradientAccumulationSteps,
            LearningRate = values.Number("training.learning_rate", min: 0, minExclusive: true) ?? defaults.LearningRate,
            LrScheduler = values.Enum<LrSchedulerKind>("training.lr_scheduler") ?? defaults.LrScheduler,
            WarmupSteps = values.Int("training.warmup_steps", min: 0) ?? defaults.WarmupSteps,
            WeightDecay = values.Number("training.weight_decay", min: 0) ?? defaults.WeightDecay,
            MaxGradNorm = values.Number("training.max_grad_norm", min: 0) ?? defaults.MaxGradNorm,
            Seed = values.Int("training.seed", min: 0) ?? defaults.Seed,
            EvalSteps = values.Int("training.eval_steps", min: 1, allowNull: true),
            SaveSteps = values.Int("training.save_steps", min: 1, allowNull: true),
            LoggingSteps = values.Int("training.logging_steps", min: 1) ?? defaults.LoggingSteps,
            GradientCheckpointing = values.Bool("training.gradient_checkpointing") ?? defaults.GradientCheckpointing,
            Optimizer = values.Enum<OptimizerKind>("training.optimizer") ?? defaults.Optimizer,
            OptimizerStateDevice = values.Enum<OptimizerStateDevice>("training.optimizer_state_device") ?? defaults.OptimizerStateDevice,
        };
    }

    /// <summary>A quantized base cannot be trained, so nf4, fp4 and int8 need a mechanism that freezes it.</summary>
    static void CheckFourBitBase(RecipeValues values, Recipe recipe)
    {
        if (recipe.Precision is PrecisionKind.Nf4 or PrecisionKind.Fp4 or PrecisionKind.Int8 && recipe.Mechanism == MechanismKind.Full)
            throw values.Error("precision", values.SourceOf("precision"),
                $"'{RecipeEnum.ToYaml(recipe.Precision)}' stores the base weights in {(recipe.Precision == PrecisionKind.Int8 ? "8" : "4")} bits, which mechanism full would update; use mechanism qlora, or precision fp32 or bf16");
    }

    // data.eval and a held-out fraction would be two evaluation sets, and eval_steps needs one of them.
    static void CheckEvalSource(RecipeValues values, Recipe recipe)
    {
        if (recipe.Data.Eval is not null && recipe.Data.EvalFraction > 0)
            throw values.Error("data.eval_fraction", values.SourceOf("data.eval_fraction"),
                "data.eval is also set; use either an eval file or a held-out fraction, so remove one of the two");

        var hasEvalData = recipe.Data.Eval is not null || recipe.Data.EvalFraction > 0;
        if (recipe.Training.EvalSteps is not null && !hasEvalData)
            throw values.Error("training.eval_steps", values.SourceOf("training.eval_steps"),
                "there is no eval data; set data.eval or data.eval_fraction, or remove training.eval_steps");
    }
}
