namespace SharpTune.Recipes;

/// <summary>
/// Training recipe: what to tune, how, on which data and with which settings.
/// <see cref="RecipeLoader.Load(string, IEnumerable{string})"/> builds and validates it from a YAML file; each property's
/// YAML key is its name in snake_case.
/// </summary>
/// <remarks>
/// After loading, <see cref="Model"/>, <see cref="OutputDir"/> and the paths in <see cref="Data"/> are absolute.
/// The loader does not check that they exist.
/// </remarks>
public sealed record Recipe
{
    /// <summary>Folder of a Hugging Face model (config, weights, tokenizer). Key <c>model</c>, required.</summary>
    public required string Model { get; init; }

    /// <summary>
    /// Start from random weights (transformers' Llama initialisation, seeded by <c>training.seed</c>) instead of the
    /// checkpoint; the model folder then needs only config.json and the tokenizer files. Key <c>from_scratch</c>, default false.
    /// </summary>
    public bool FromScratch { get; init; }

    /// <summary>Key <c>objective</c>, required.</summary>
    public required ObjectiveKind Objective { get; init; }

    /// <summary>Key <c>mechanism</c>, required.</summary>
    public required MechanismKind Mechanism { get; init; }

    /// <summary>Key <c>precision</c>. Default <see cref="PrecisionKind.Fp32"/>.</summary>
    public PrecisionKind Precision { get; init; } = PrecisionKind.Fp32;

    /// <summary>Key <c>device</c>. Default <see cref="DeviceKind.Auto"/>.</summary>
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    /// <summary>Folder for checkpoints, logs and the effective recipe. Key <c>output_dir</c>, required.</summary>
    public required string OutputDir { get; init; }

    /// <summary>Section <c>data</c>, required because <c>data.train</c> is.</summary>
    public required DataOptions Data { get; init; }

    /// <summary>Section <c>lora</c>; used only when <see cref="Mechanism"/> is <see cref="MechanismKind.Lora"/>.</summary>
    public LoraOptions Lora { get; init; } = new();

    /// <summary>Section <c>reft</c>; used only by the ReFT mechanisms (loreft, direft, dii, brep).</summary>
    public ReftOptions Reft { get; init; } = new();

    /// <summary>Section <c>bitfit</c>; used only with <see cref="MechanismKind.Bitfit"/>.</summary>
    public Mechanisms.BitFit.BitFitOptions BitFit { get; init; } = new();

    /// <summary>Section <c>subtuning</c>; used only with <see cref="MechanismKind.Subtuning"/>.</summary>
    public Mechanisms.SubTuning.SubTuningOptions SubTuning { get; init; } = new();

    /// <summary>Section <c>diff_pruning</c>; used only with <see cref="MechanismKind.DiffPruning"/>.</summary>
    public Mechanisms.DiffPruning.DiffPruningOptions DiffPruning { get; init; } = new();

    /// <summary>Section <c>adapter</c>; used only with <see cref="MechanismKind.Adapter"/>.</summary>
    public Mechanisms.Adapters.AdapterOptions Adapter { get; init; } = new();

    /// <summary>Section <c>prefix</c>; used only with <see cref="MechanismKind.Prefix"/>.</summary>
    public Mechanisms.Prefix.PrefixOptions Prefix { get; init; } = new();

    /// <summary>Section <c>head</c>; used only with the head mechanisms, whose kind sets <see cref="Mechanisms.Heads.HeadOptions.Kind"/>.</summary>
    public Mechanisms.Heads.HeadOptions Head { get; init; } = new();

    /// <summary>Section <c>dpo</c>; used only when <see cref="Objective"/> is <see cref="ObjectiveKind.Dpo"/>.</summary>
    public DpoOptions Dpo { get; init; } = new();

    /// <summary>Section <c>rl</c>; used only when <see cref="Objective"/> is <see cref="ObjectiveKind.Rlhf"/>.</summary>
    public RlOptions Rl { get; init; } = new();

    /// <summary>Section <c>training</c>.</summary>
    public TrainingOptions Training { get; init; } = new();

    /// <summary>
    /// Whether examples are packed into full-length sequences: <see cref="DataOptions.Packing"/> when set,
    /// else true for continued pretraining and false for supervised fine-tuning.
    /// </summary>
    public bool UsesPacking => Data.Packing ?? Objective == ObjectiveKind.Cpt;

    /// <summary>
    /// Writes every key of the recipe as YAML, with absolute paths, so that a run can save the recipe
    /// it used. Loading the text back with <see cref="RecipeLoader"/> gives an equal recipe.
    /// </summary>
    public string ToYaml() => RecipeWriter.Write(this);
}
