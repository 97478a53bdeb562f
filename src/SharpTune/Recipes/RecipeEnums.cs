namespace SharpTune.Recipes;

// Each enum member's YAML spelling is its C# name in lower case (Cpt is "cpt", Bf16 is "bf16");
// RecipeEnum converts in both directions.

/// <summary>Training objective: which loss the run minimizes.</summary>
public enum ObjectiveKind
{
    /// <summary>Continued pretraining: next-token loss on every token of plain text.</summary>
    Cpt,

    /// <summary>Supervised fine-tuning: next-token loss on the response tokens of prompt and response pairs.</summary>
    Sft,
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

    /// <summary>LoRA (section <c>lora</c>) on a base whose projections are stored in 4 bits (NF4 unless <c>precision</c> is <c>fp4</c>).</summary>
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
        value.ToString().ToLowerInvariant();

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
