namespace SharpTune.Recipes;

// Each enum member's YAML spelling is its C# name in snake case (Cpt is "cpt", Bf16 is "bf16",
// DiffPruning is "diff_pruning"); RecipeEnum converts in both directions.

/// <summary>Training objective: which loss the run minimizes.</summary>
public enum ObjectiveKind
{
    /// <summary>Continued pretraining: next-token loss on every token of plain text.</summary>
    Cpt,

    /// <summary>Supervised fine-tuning: next-token loss on the response tokens of prompt and response pairs.</summary>
    Sft,

    /// <summary>Text classification: cross-entropy of a head on the pooled hidden state, on text and label records.</summary>
    Classify,

    /// <summary>Direct preference optimization on chosen and rejected responses (section <c>dpo</c>).</summary>
    Dpo,

    /// <summary>A reward model: a scalar value head trained with the Bradley–Terry loss on preference pairs.</summary>
    Reward,

    /// <summary>ORPO: SFT loss on the chosen response plus an odds-ratio preference term, without a reference model.</summary>
    Orpo,

    /// <summary>SimPO: a length-normalised, reference-free preference loss with a target margin.</summary>
    Simpo,

    /// <summary>Reinforcement learning from a reward on sampled responses to prompts: PPO, GRPO or RLOO (section <c>rl</c>).</summary>
    Rlhf,
}

/// <summary>Which parameters the run updates.</summary>
public enum MechanismKind
{
    /// <summary>All model parameters.</summary>
    Full,

    /// <summary>Low-rank adapters on the target modules, with the base weights frozen.</summary>
    Lora,

    /// <summary>LoReFT interventions on hidden states (section <c>reft</c>), with the base weights frozen.</summary>
    Loreft,

    /// <summary>DiReFT interventions on hidden states (section <c>reft</c>), with the base weights frozen.</summary>
    Direft,

    /// <summary>Trainable distributed interchange interventions from a source prompt (section <c>reft</c>).</summary>
    Dii,

    /// <summary>Bias-restrained prefix ReFT (section <c>reft</c>), with the base weights frozen.</summary>
    Brep,

    /// <summary>Only the bias vectors of the target linears (zero-initialised where the model has none).</summary>
    Bitfit,

    /// <summary>Only the top-k decoder layers by gradient norm on a calibration batch.</summary>
    Subtuning,

    /// <summary>A sparse difference δ added to each target weight, pruned by magnitude to a budget.</summary>
    DiffPruning,

    /// <summary>Bottleneck adapters after the attention and/or MLP block.</summary>
    Adapter,

    /// <summary>Trained key/value prefixes in every layer's attention.</summary>
    Prefix,

    /// <summary>A linear classifier on the pooled hidden state; needs objective classify.</summary>
    LinearProbe,

    /// <summary>A 2- or 3-layer MLP classifier on the pooled hidden state; needs objective classify.</summary>
    MlpHead,

    /// <summary>A tanh projection and a linear classifier on the pooled hidden state; needs objective classify.</summary>
    ProjectionHead,

    /// <summary>LoRA (section <c>lora</c>) on a quantized base: NF4, or FP4 or int8 when <c>precision</c> names them.</summary>
    Qlora,
}

/// <summary>Floating-point type of the trainable weights and the forward pass, or the 4-bit type of a frozen base.</summary>
public enum PrecisionKind
{
    Fp32,
    Bf16,

    /// <summary>Half precision with dynamic loss scaling; steps whose gradients overflow are skipped.</summary>
    Fp16,

    /// <summary>Frozen projections in 4-bit NormalFloat, everything else and the compute in fp32.</summary>
    Nf4,

    /// <summary>Frozen projections in 4-bit float (e2m1), everything else and the compute in fp32.</summary>
    Fp4,

    /// <summary>Frozen projections in int8 with one absmax scale per row, everything else and the compute in fp32.</summary>
    Int8,
}

/// <summary>Device the run uses; <see cref="Auto"/> takes CUDA when it is available, else the CPU.</summary>
public enum DeviceKind
{
    Auto,
    Cpu,
    Cuda,
}

/// <summary>Layout of the records in a data file.</summary>
public enum DataFormat
{
    /// <summary>Detected by the data reader from the fields of the records.</summary>
    Auto,

    /// <summary>Plain text records.</summary>
    Text,

    /// <summary>Instruction, optional input and response records in the Alpaca style.</summary>
    Alpaca,

    /// <summary>Conversations as lists of role and content messages.</summary>
    Chat,
}

/// <summary>The optimizer; both are AdamW and differ in how they store the moments.</summary>
public enum OptimizerKind
{
    /// <summary>Float32 moments, as torch.optim.AdamW.</summary>
    Adamw,

    /// <summary>Moments stored block-wise in 8 bits, as bitsandbytes' AdamW8bit (Dettmers et al., 2022).</summary>
    Adamw8bit,
}

/// <summary>Where the optimizer state lives.</summary>
public enum OptimizerStateDevice
{
    /// <summary>Beside each parameter, on the run's device.</summary>
    Model,

    /// <summary>On the CPU, with gradients moved there for the update; on a CPU run this changes nothing.</summary>
    Cpu,
}

/// <summary>Learning-rate schedule applied after the warmup steps.</summary>
public enum LrSchedulerKind
{
    Cosine,
    Linear,
    Constant,
}

/// <summary>Converts the recipe enums to and from their YAML spelling.</summary>
internal static class RecipeEnum
{
    public static string ToYaml<T>(T value) where T : struct, Enum =>
        string.Concat(value.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    public static IReadOnlyList<string> AllowedValues<T>() where T : struct, Enum =>
        Enum.GetValues<T>().Select(ToYaml).ToArray();

    /// <summary>Parses a YAML spelling, ignoring case; returns false for any other text, including numbers.</summary>
    public static bool TryParse<T>(string text, out T value) where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(ToYaml(candidate), text, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }
}
