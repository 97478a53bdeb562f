using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace SharpTune.Recipes;

/// <summary>Reads and writes the recipe section <c>reft</c>.</summary>
internal static class ReftSection
{
    public static ReftOptions Build(RecipeValues values)
    {
        var defaults = new ReftOptions();
        return new ReftOptions
        {
            Layers = Layers(values),
            R = values.Int("reft.r", min: 1) ?? defaults.R,
            FirstPositions = values.Int("reft.first_positions", min: 0) ?? defaults.FirstPositions,
            LastPositions = values.Int("reft.last_positions", min: 0) ?? defaults.LastPositions,
            SourcePrompt = values.Text("reft.source_prompt", allowNull: true),
            GeneratedPositions = values.Int("reft.generated_positions", min: 0) ?? defaults.GeneratedPositions,
            PrefixLength = values.Int("reft.prefix_length", min: 1) ?? defaults.PrefixLength,
            BiasTarget = values.Number("reft.bias_target", min: 0) ?? defaults.BiasTarget,
            Kp = values.Number("reft.kp", min: 0) ?? defaults.Kp,
            Ki = values.Number("reft.ki", min: 0) ?? defaults.Ki,
            Kd = values.Number("reft.kd", min: 0) ?? defaults.Kd,
        };
    }

    // Layer indices arrive as a list of names, so each is parsed here; the model checks the upper bound.
    static IReadOnlyList<int>? Layers(RecipeValues values)
    {
        var names = values.NameList("reft.layers", allowNull: true);
        if (names is null)
            return null;
        var layers = new List<int>();
        foreach (var name in names)
        {
            if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var layer))
                throw values.Error("reft.layers", values.SourceOf("reft.layers"),
                    $"'{name}' is not a layer index; set a list of whole numbers >= 0 such as [0, 2, 4]");
            layers.Add(layer);
        }
        return layers.AsReadOnly();
    }

    public static void Write(IEmitter emitter, ReftOptions reft)
    {
        RecipeWriter.Section(emitter, "reft");
        emitter.Emit(RecipeWriter.Plain("layers"));
        if (reft.Layers is null)
        {
            emitter.Emit(RecipeWriter.Null());
        }
        else
        {
            emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, isImplicit: true, SequenceStyle.Flow));
            foreach (var layer in reft.Layers)
                emitter.Emit(RecipeWriter.Integer(layer));
            emitter.Emit(new SequenceEnd());
        }
        RecipeWriter.Entry(emitter, "r", RecipeWriter.Integer(reft.R));
        RecipeWriter.Entry(emitter, "first_positions", RecipeWriter.Integer(reft.FirstPositions));
        RecipeWriter.Entry(emitter, "last_positions", RecipeWriter.Integer(reft.LastPositions));
        RecipeWriter.Entry(emitter, "source_prompt", reft.SourcePrompt is null ? RecipeWriter.Null() : RecipeWriter.Quoted(reft.SourcePrompt));
        RecipeWriter.Entry(emitter, "generated_positions", RecipeWriter.Integer(reft.GeneratedPositions));
        RecipeWriter.Entry(emitter, "prefix_length", RecipeWriter.Integer(reft.PrefixLength));
        RecipeWriter.Entry(emitter, "bias_target", RecipeWriter.Number(reft.BiasTarget));
        RecipeWriter.Entry(emitter, "kp", RecipeWriter.Number(reft.Kp));
        RecipeWriter.Entry(emitter, "ki", RecipeWriter.Number(reft.Ki));
        RecipeWriter.Entry(emitter, "kd", RecipeWriter.Number(reft.Kd));
        RecipeWriter.EndSection(emitter);
    }
}
