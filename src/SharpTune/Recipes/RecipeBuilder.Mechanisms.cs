using SharpTune.Mechanisms.Adapters;
using SharpTune.Mechanisms.BitFit;
using SharpTune.Mechanisms.DiffPruning;
using SharpTune.Mechanisms.Heads;
using SharpTune.Mechanisms.Prefix;
using SharpTune.Mechanisms.SubTuning;

namespace SharpTune.Recipes;

// The sections of the mechanisms besides LoRA and full fine-tuning.
internal static partial class RecipeBuilder
{
    static BitFitOptions BuildBitFit(RecipeValues values) => new()
    {
        TargetModules = values.NameList("bitfit.target_modules") ?? new BitFitOptions().TargetModules,
    };

    static SubTuningOptions BuildSubTuning(RecipeValues values)
    {
        var defaults = new SubTuningOptions();
        return new SubTuningOptions
        {
            TopK = values.Int("subtuning.top_k", min: 1) ?? defaults.TopK,
            CalibrationExamples = values.Int("subtuning.calibration_examples", min: 1) ?? defaults.CalibrationExamples,
        };
    }

    static DiffPruningOptions BuildDiffPruning(RecipeValues values)
    {
        var defaults = new DiffPruningOptions();
        return new DiffPruningOptions
        {
            Sparsity = values.Number("diff_pruning.sparsity", min: 0, maxExclusive: 1) ?? defaults.Sparsity,
            TargetModules = values.NameList("diff_pruning.target_modules") ?? defaults.TargetModules,
            RampFraction = values.Number("diff_pruning.ramp_fraction", min: 0, maxExclusive: 1) ?? defaults.RampFraction,
        };
    }

    static AdapterOptions BuildAdapter(RecipeValues values)
    {
        var defaults = new AdapterOptions();
        return new AdapterOptions
        {
            BottleneckSize = values.Int("adapter.bottleneck_size", min: 1) ?? defaults.BottleneckSize,
            MhAdapter = values.Bool("adapter.mh_adapter") ?? defaults.MhAdapter,
            OutputAdapter = values.Bool("adapter.output_adapter") ?? defaults.OutputAdapter,
            NonLinearity = values.Enum<AdapterNonLinearity>("adapter.non_linearity") ?? defaults.NonLinearity,
        };
    }

    static PrefixOptions BuildPrefix(RecipeValues values)
    {
        var defaults = new PrefixOptions();
        return new PrefixOptions
        {
            NumVirtualTokens = values.Int("prefix.num_virtual_tokens", min: 1) ?? defaults.NumVirtualTokens,
            PrefixProjection = values.Bool("prefix.prefix_projection") ?? defaults.PrefixProjection,
            EncoderHiddenSize = values.Int("prefix.encoder_hidden_size", min: 1, allowNull: true),
        };
    }

    static HeadOptions BuildHead(RecipeValues values)
    {
        var defaults = new HeadOptions();
        var kind = values.Enum<MechanismKind>("mechanism", allowNull: true) switch
        {
            MechanismKind.MlpHead => HeadKind.MlpHead,
            MechanismKind.ProjectionHead => HeadKind.ProjectionHead,
            _ => HeadKind.LinearProbe,
        };
        return new HeadOptions
        {
            Kind = kind,
            Pooling = values.Enum<HeadPooling>("head.pooling") ?? defaults.Pooling,
            HiddenSize = values.Int("head.hidden_size", min: 1, allowNull: true),
            NumLayers = values.Int("head.num_layers", min: 2) ?? defaults.NumLayers,
            ClassWeights = values.Enum<HeadClassWeights>("head.class_weights") ?? defaults.ClassWeights,
        };
    }

    /// <summary>True for the mechanisms that train a classification head.</summary>
    public static bool IsHead(MechanismKind mechanism) =>
        mechanism is MechanismKind.LinearProbe or MechanismKind.MlpHead or MechanismKind.ProjectionHead;

    /// <summary>True for the objectives that tune a policy against preferences or rewards.</summary>
    public static bool IsPreferenceOrRl(ObjectiveKind objective) =>
        objective is ObjectiveKind.Dpo or ObjectiveKind.Reward or ObjectiveKind.Orpo or ObjectiveKind.Simpo or ObjectiveKind.Rlhf;

    // The preference and RL objectives need a reference or a plain next-token model: full tuning keeps a frozen copy,
    // and LoRA, QLoRA and ReFT give the base back by switching their part off. BREP's truncated, bias-penalised loss
    // would replace the objective's loss, and the other mechanisms cannot be switched off yet.
    static void CheckPolicyMechanism(RecipeValues values, Recipe recipe)
    {
        if (!IsPreferenceOrRl(recipe.Objective))
            return;
        var objective = RecipeEnum.ToYaml(recipe.Objective);
        if (recipe.Mechanism == MechanismKind.Brep)
            throw values.Error("mechanism", values.SourceOf("mechanism"),
                $"brep trains with its own loss (truncated responses plus a bias penalty), which objective {objective} would replace; use loreft, direft or dii");
        if (recipe.Mechanism is not (MechanismKind.Full or MechanismKind.Lora or MechanismKind.Qlora
                or MechanismKind.Loreft or MechanismKind.Direft or MechanismKind.Dii))
            throw values.Error("mechanism", values.SourceOf("mechanism"),
                $"objective {objective} supports mechanism full, lora, qlora, loreft, direft or dii; use one of them instead of {RecipeEnum.ToYaml(recipe.Mechanism)}");
    }

    // A head needs class labels and the classify objective needs a head, so each without the other is an error.
    static void CheckClassify(RecipeValues values, Recipe recipe)
    {
        CheckPolicyMechanism(values, recipe);
        bool head = IsHead(recipe.Mechanism);
        if (recipe.Objective == ObjectiveKind.Classify && !head)
            throw values.Error("mechanism", values.SourceOf("mechanism"),
                $"objective classify trains a classification head; use mechanism linear_probe, mlp_head or projection_head instead of {RecipeEnum.ToYaml(recipe.Mechanism)}");
        if (head && recipe.Objective != ObjectiveKind.Classify)
            throw values.Error("objective", values.SourceOf("objective"),
                $"mechanism {RecipeEnum.ToYaml(recipe.Mechanism)} trains a classification head; set objective: classify");
        if (recipe.Head.Kind == HeadKind.MlpHead && recipe.Head.NumLayers > 3)
            throw values.Error("head.num_layers", values.SourceOf("head.num_layers"), $"{recipe.Head.NumLayers} is out of range; mlp_head has 2 or 3 layers");
    }
}
