using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace SharpTune.Recipes;

/// <summary>Writes a <see cref="Recipe"/> as YAML with every key, in the order of <see cref="RecipeKeys.All"/>.</summary>
/// <remarks>
/// Unset optional values are written as <c>null</c>, which the loader reads back as unset. Strings are
/// single-quoted so that a path such as <c>null</c> or <c>123</c> stays a string.
/// </remarks>
internal static partial class RecipeWriter
{
    public static string Write(Recipe recipe)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        var emitter = new Emitter(text);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, isImplicit: true, MappingStyle.Block));

        Entry(emitter, "model", Quoted(recipe.Model));
        Entry(emitter, "from_scratch", Bool(recipe.FromScratch));
        Entry(emitter, "objective", Plain(RecipeEnum.ToYaml(recipe.Objective)));
        Entry(emitter, "mechanism", Plain(RecipeEnum.ToYaml(recipe.Mechanism)));
        Entry(emitter, "precision", Plain(RecipeEnum.ToYaml(recipe.Precision)));
        Entry(emitter, "device", Plain(RecipeEnum.ToYaml(recipe.Device)));
        Entry(emitter, "output_dir", Quoted(recipe.OutputDir));

        var data = recipe.Data;
        Section(emitter, "data");
        Entry(emitter, "train", Quoted(data.Train));
        Entry(emitter, "eval", data.Eval is null ? Null() : Quoted(data.Eval));
        Entry(emitter, "eval_fraction", Number(data.EvalFraction));
        Entry(emitter, "format", Plain(RecipeEnum.ToYaml(data.Format)));
        Entry(emitter, "max_length", Integer(data.MaxLength));
        Entry(emitter, "packing", data.Packing is null ? Null() : Bool(data.Packing.Value));
        Entry(emitter, "mask_history", Bool(data.MaskHistory));
        Entry(emitter, "text_field", Name(data.TextField));
        Entry(emitter, "label_field", Name(data.LabelField));
        EndSection(emitter);

        var lora = recipe.Lora;
        Section(emitter, "lora");
        Entry(emitter, "r", Integer(lora.R));
        Entry(emitter, "alpha", Number(lora.Alpha));
        Entry(emitter, "dropout", Number(lora.Dropout));
        NameListEntry(emitter, "target_modules", lora.TargetModules);
        Entry(emitter, "use_rslora", Bool(lora.UseRsLora));
        Entry(emitter, "use_dora", Bool(lora.UseDora));
        EndSection(emitter);

        ReftSection.Write(emitter, recipe.Reft);
        WriteMechanismSections(emitter, recipe);

        Section(emitter, "dpo");
        Entry(emitter, "beta", Number(recipe.Dpo.Beta));
        Entry(emitter, "loss_type", Plain(RecipeEnum.ToYaml(recipe.Dpo.LossType)));
        Entry(emitter, "precompute_ref_log_probs", Bool(recipe.Dpo.PrecomputeRefLogProbs));
        Entry(emitter, "simpo_gamma", Number(recipe.Dpo.SimpoGamma));
        EndSection(emitter);

        RlSection.Write(emitter, recipe.Rl);

        var training = recipe.Training;
        Section(emitter, "training");
        Entry(emitter, "epochs", Integer(training.Epochs));
        Entry(emitter, "max_steps", Integer(training.MaxSteps));
        Entry(emitter, "batch_size", Integer(training.BatchSize));
        Entry(emitter, "gradient_accumulation_steps", Integer(training.GradientAccumulationSteps));
        Entry(emitter, "learning_rate", Number(training.LearningRate));
        Entry(emitter, "lr_scheduler", Plain(RecipeEnum.ToYaml(training.LrScheduler)));
        Entry(emitter, "warmup_steps", Integer(training.WarmupSteps));
        Entry(emitter, "weight_decay", Number(training.WeightDecay));
        Entry(emitter, "max_grad_norm", Number(training.MaxGradNorm));
        Entry(emitter, "seed", Integer(training.Seed));
        Entry(emitter, "eval_steps", Integer(training.EvalSteps));
        Entry(emitter, "save_steps", Integer(training.SaveSteps));
        Entry(emitter, "logging_steps", Integer(training.LoggingSteps));
        Entry(emitter, "gradient_checkpointing", Bool(training.GradientCheckpointing));
        Entry(emitter, "optimizer", Plain(RecipeEnum.ToYaml(training.Optimizer)));
        Entry(emitter, "optimizer_state_device", Plain(RecipeEnum.ToYaml(training.OptimizerStateDevice)));
        EndSection(emitter);

        emitter.Emit(new MappingEnd());
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    internal static void Entry(IEmitter emitter, string key, Scalar value)
    {
        emitter.Emit(Plain(key));
        emitter.Emit(value);
    }

    static void NameListEntry(IEmitter emitter, string key, IEnumerable<string> names)
    {
        emitter.Emit(Plain(key));
        emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, isImplicit: true, SequenceStyle.Flow));
        foreach (var name in names)
            emitter.Emit(Name(name));
        emitter.Emit(new SequenceEnd());
    }

    static Scalar Name(string name) => IsPlainName(name) ? Plain(name) : Quoted(name);

    internal static void Section(IEmitter emitter, string name)
    {
        emitter.Emit(Plain(name));
        emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, isImplicit: true, MappingStyle.Block));
    }

    internal static void EndSection(IEmitter emitter) => emitter.Emit(new MappingEnd());

    internal static Scalar Plain(string value) =>
        new(AnchorName.Empty, TagName.Empty, value, ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false);

    internal static Scalar Quoted(string value) =>
        new(AnchorName.Empty, TagName.Empty, value, ScalarStyle.SingleQuoted, isPlainImplicit: false, isQuotedImplicit: true);

    // Module names such as q_proj read the same unquoted; YAML's null and boolean words and other text get quotes.
    static bool IsPlainName(string name) =>
        PlainName().IsMatch(name) && name.ToLowerInvariant() is not ("null" or "true" or "false" or "yes" or "no" or "on" or "off");

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.]*$")]
    private static partial Regex PlainName();

    internal static Scalar Null() => Plain("null");

    internal static Scalar Bool(bool value) => Plain(value ? "true" : "false");

    internal static Scalar Integer(int? value) => value is null ? Null() : Plain(value.Value.ToString(CultureInfo.InvariantCulture));

    // "R" gives the shortest text that parses back to the same double, such as 0.0002 or 1E-05.
    internal static Scalar Number(double value) => Plain(value.ToString("R", CultureInfo.InvariantCulture).ToLowerInvariant());
}
