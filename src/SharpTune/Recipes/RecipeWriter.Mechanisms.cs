using YamlDotNet.Core;

namespace SharpTune.Recipes;

// The sections of the mechanisms besides LoRA and full fine-tuning, in the order of RecipeKeys.All.
internal static partial class RecipeWriter
{
    static void WriteMechanismSections(IEmitter emitter, Recipe recipe)
    {
        Section(emitter, "bitfit");
        NameListEntry(emitter, "target_modules", recipe.BitFit.TargetModules);
        EndSection(emitter);

        Section(emitter, "subtuning");
        Entry(emitter, "top_k", Integer(recipe.SubTuning.TopK));
        Entry(emitter, "calibration_examples", Integer(recipe.SubTuning.CalibrationExamples));
        EndSection(emitter);

        var diff = recipe.DiffPruning;
        Section(emitter, "diff_pruning");
        Entry(emitter, "sparsity", Number(diff.Sparsity));
        NameListEntry(emitter, "target_modules", diff.TargetModules);
        Entry(emitter, "ramp_fraction", Number(diff.RampFraction));
        EndSection(emitter);

        var adapter = recipe.Adapter;
        Section(emitter, "adapter");
        Entry(emitter, "bottleneck_size", Integer(adapter.BottleneckSize));
        Entry(emitter, "mh_adapter", Bool(adapter.MhAdapter));
        Entry(emitter, "output_adapter", Bool(adapter.OutputAdapter));
        Entry(emitter, "non_linearity", Plain(RecipeEnum.ToYaml(adapter.NonLinearity)));
        EndSection(emitter);

        var prefix = recipe.Prefix;
        Section(emitter, "prefix");
        Entry(emitter, "num_virtual_tokens", Integer(prefix.NumVirtualTokens));
        Entry(emitter, "prefix_projection", Bool(prefix.PrefixProjection));
        Entry(emitter, "encoder_hidden_size", Integer(prefix.EncoderHiddenSize));
        EndSection(emitter);

        var head = recipe.Head;
        Section(emitter, "head");
        Entry(emitter, "pooling", Plain(RecipeEnum.ToYaml(head.Pooling)));
        Entry(emitter, "hidden_size", Integer(head.HiddenSize));
        Entry(emitter, "num_layers", Integer(head.NumLayers));
        Entry(emitter, "class_weights", Plain(RecipeEnum.ToYaml(head.ClassWeights)));
        EndSection(emitter);
    }
}
