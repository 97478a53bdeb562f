namespace SharpTune;

/// <summary>
/// Checks a folder that a command will write, before any work starts: it must be creatable, must not be a file,
/// and an existing non-empty folder is replaced only with --overwrite and only when SharpTune wrote it.
/// </summary>
public static class OutputFolder
{
    /// <summary>Files that mark a folder as SharpTune output: a run or an adapter. A model folder is marked by config.json with weights.</summary>
    static readonly string[] Markers =
    [
        "summary.json", "metrics.jsonl", "trainable_parameters.json", "adapter_config.json", "sharptune_adapter.json",
    ];

    /// <param name="path">The folder to be written.</param>
    /// <param name="key">The option or recipe key that named it, for messages.</param>
    /// <param name="overwrite">Whether the user allowed replacing an existing folder.</param>
    /// <param name="inputs">Folders the command reads; writing over one of them is refused.</param>
    public static void Check(string path, string key, bool overwrite, params string?[] inputs)
    {
        var full = Path.GetFullPath(path);
        foreach (var input in inputs.OfType<string>())
            if (string.Equals(Path.GetFullPath(input).TrimEnd('/'), full.TrimEnd('/'), StringComparison.Ordinal))
                throw SharpTuneInputException.At(path, null, key, "is also an input of this command; choose a different output folder");

        if (File.Exists(full))
            throw SharpTuneInputException.At(path, null, key, "is an existing file; pass a folder path");

        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
        {
            if (!overwrite)
                throw SharpTuneInputException.At(path, null, key,
                    "already exists and is not empty; pass --overwrite to replace it once the new output is complete, or choose another folder");
            if (!LooksLikeSharpTuneOutput(full))
                throw SharpTuneInputException.At(path, null, key,
                    "holds files that SharpTune did not write, so --overwrite will not delete it; choose an empty or new folder");
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full) ?? full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SharpTuneInputException.At(path, null, key, $"cannot be created ({e.Message}); choose a writable location");
        }
    }

    static bool LooksLikeSharpTuneOutput(string dir) =>
        Markers.Any(m => File.Exists(Path.Combine(dir, m)))
        || (File.Exists(Path.Combine(dir, "config.json")) && Directory.EnumerateFiles(dir, "*.safetensors").Any())
        || Directory.EnumerateDirectories(dir, "checkpoint-*").Any();
}
