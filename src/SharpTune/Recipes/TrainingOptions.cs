namespace SharpTune.Recipes;

/// <summary>Recipe section <c>training</c>: optimizer, schedule and loop settings, named as in Hugging Face <c>TrainingArguments</c>.</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training data. Key <c>training.epochs</c>, default 1.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Total optimizer steps; when set, it overrides <see cref="Epochs"/>. Key <c>training.max_steps</c>, default none.</summary>
    public int? MaxSteps { get; init; }

    /// <summary>Sequences per forward pass. Key <c>training.batch_size</c>, default 4.</summary>
    public int BatchSize { get; init; } = 4;

    /// <summary>
    /// Forward and backward passes per optimizer step, so the effective batch is
    /// <c>batch_size * gradient_accumulation_steps</c>. Key <c>training.gradient_accumulation_steps</c>, default 1.
    /// </summary>
    public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary>Peak learning rate, reached after warmup. Key <c>training.learning_rate</c>, default 2e-4.</summary>
    public double LearningRate { get; init; } = 2e-4;

    /// <summary>Key <c>training.lr_scheduler</c>. Default <see cref="LrSchedulerKind.Cosine"/>.</summary>
    public LrSchedulerKind LrScheduler { get; init; } = LrSchedulerKind.Cosine;

    /// <summary>Optimizer steps of linear warmup from 0 to the peak learning rate. Key <c>training.warmup_steps</c>, default 0.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>Decoupled weight decay (AdamW). Key <c>training.weight_decay</c>, default 0.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Gradient-norm clipping threshold; 0 disables clipping. Key <c>training.max_grad_norm</c>, default 1.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Seed for weight initialization, shuffling and dropout. Key <c>training.seed</c>, default 42.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Optimizer steps between evaluations; none means no evaluation during training. Key <c>training.eval_steps</c>.</summary>
    public int? EvalSteps { get; init; }

    /// <summary>Optimizer steps between checkpoints; none means no intermediate checkpoints. Key <c>training.save_steps</c>.</summary>
    public int? SaveSteps { get; init; }

    /// <summary>Optimizer steps between metric log lines. Key <c>training.logging_steps</c>, default 1.</summary>
    public int LoggingSteps { get; init; } = 1;

    /// <summary>
    /// Recompute each decoder layer's activations during backward instead of storing them.
    /// Key <c>training.gradient_checkpointing</c>, default false.
    /// </summary>
    public bool GradientCheckpointing { get; init; }

    /// <summary>
    /// AdamW with float32 moments, or with moments stored block-wise in 8 bits. Key <c>training.optimizer</c>,
    /// default <see cref="OptimizerKind.Adamw"/>.
    /// </summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adamw;

    /// <summary>
    /// Where the optimizer moments and float32 master weights live. Key <c>training.optimizer_state_device</c>,
    /// default <see cref="OptimizerStateDevice.Model"/>.
    /// </summary>
    public OptimizerStateDevice OptimizerStateDevice { get; init; } = OptimizerStateDevice.Model;
}
