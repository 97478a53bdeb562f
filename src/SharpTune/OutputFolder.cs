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
    /// <param name="inputs">Folders the command reads; an output equal to one of them, or containing one, is rejected.</param>
    public static void Check(string path, string key, bool overwrite, params string?[] inputs)
    {
        var full = Path.GetFullPath(path);
        if (inputs.OfType<string>().Any(input => IsSameOrInside(input, full)))
            throw SharpTuneInputException.At(path, null, key,
                "is an input of this command or contains one, and writing it would delete that input; choose a different output folder");

        if (File.Exists(full))
            throw SharpTuneInputException.At(path, null, key, "is an existing file; pass a folder path");

        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
        {
            // Checked before --overwrite, so the message never suggests a flag that would then be rejected.
            if (!LooksLikeSharpTuneOutput(full))
                throw SharpTuneInputException.At(path, null, key,
                    "holds files that SharpTune did not write, so it will not be replaced, even with --overwrite; choose an empty or new folder");
            if (!overwrite)
                throw SharpTuneInputException.At(path, null, key,
                    "already exists and is not empty; pass --overwrite to replace it once the new output is complete, or choose another folder");
        }

        CreateParent(path, key, full);
    }

    /// <summary>
    /// Checks a single output file such as a GGUF export: an existing file is replaced only with
    /// <paramref name="overwrite"/>, and never when it lies inside one of the <paramref name="inputs"/> folders.
    /// </summary>
    public static void CheckFile(string path, string key, bool overwrite, params string?[] inputs)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw SharpTuneInputException.At(path, null, key, "is a folder; this output is one file, so pass a file path such as model.gguf");
        if (File.Exists(full))
        {
            if (inputs.OfType<string>().Any(input => IsSameOrInside(full, input)))
                throw SharpTuneInputException.At(path, null, key,
                    "is an existing file inside an input folder of this command, and replacing it would damage that input; choose a path outside it");
            if (!overwrite)
                throw SharpTuneInputException.At(path, null, key,
                    "already exists; pass --overwrite to replace it once the new file is complete, or choose another path");
        }

        CreateParent(path, key, full);
    }

    static void CreateParent(string path, string key, string full)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full) ?? full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SharpTuneInputException.At(path, null, key, $"cannot be created ({e.Message}); choose a writable location");
        }
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="folder"/> or lies below it, comparing full paths.</summary>
    static bool IsSameOrInside(string path, string folder)
    {
        var child = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var parent = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        return child == parent || child.StartsWith(parent + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    /// <summary>
    /// Whether a folder is a run or adapter folder (by its marker files), or a model folder that contains only the
    /// files SharpTune writes there. A downloaded model usually also has a README or .gitattributes, and a folder
    /// with any file of the user's own is kept.
    /// </summary>
    static bool LooksLikeSharpTuneOutput(string dir) =>
        Markers.Any(m => File.Exists(Path.Combine(dir, m)))
        || (File.Exists(Path.Combine(dir, "config.json"))
            && Directory.EnumerateFiles(dir, "*.safetensors").Any()
            && !Directory.EnumerateDirectories(dir).Any()
            && Directory.EnumerateFiles(dir).Select(Path.GetFileName).All(name => IsModelFolderFile(name!)))
        || Directory.EnumerateDirectories(dir, "checkpoint-*").Any();

    static bool IsModelFolderFile(string name) =>
        name is "config.json" or "model.safetensors.index.json" or Mechanisms.Qlora.QuantizedBaseRecord.FileName
        || name.EndsWith(".safetensors", StringComparison.Ordinal)
        || Models.PretrainedModel.CompanionFiles.Contains(name);
}
