using SharpTune.Models;
using SharpTune.Planning.Presets;

namespace SharpTune.Planning;

/// <summary>Turns a <c>--model</c> value (preset name, model folder or config.json path) into a <see cref="ModelShape"/>.</summary>
public static class ModelResolver
{
    /// <exception cref="SharpTuneInputException">Neither a preset nor a folder or file with a readable config.json.</exception>
    public static ModelShape Resolve(string model)
    {
        var preset = ModelPresets.Find(model);
        if (preset is not null)
            return preset;

        string? dir = null;
        if (File.Exists(model) && string.Equals(Path.GetFileName(model), "config.json", StringComparison.OrdinalIgnoreCase))
            dir = Path.GetDirectoryName(Path.GetFullPath(model))!;
        else if (Directory.Exists(model))
            dir = model;
        else if (File.Exists(model))
            throw SharpTuneInputException.At(model, null, "--model", "expected a file named config.json or a model folder");

        if (dir is null)
            throw SharpTuneInputException.At(null, null, "--model",
                $"'{model}' is neither a model folder nor a preset; presets: {string.Join(", ", ModelPresets.Names)}");

        // ModelConfig.Load raises the input error for a folder without config.json.
        var config = ModelConfig.Load(dir);
        return ModelShape.FromConfig(config, Path.GetFileName(Path.GetFullPath(dir).TrimEnd('/')), dir);
    }
}
