namespace SharpTune.Training;

/// <summary>
/// Where a run writes. Training happens in <c>OUTPUT_DIR.partial</c>, which replaces <c>OUTPUT_DIR</c> only when the
/// run finishes, so an earlier run's outputs stay intact until the new ones are complete, and an interrupted run
/// leaves its checkpoints in one known place for <c>--resume</c>.
/// </summary>
public sealed record RunOutput(string OutputDir)
{
    public string StagingDir => OutputDir + ".partial";

    /// <summary>Prepares the staging folder for a fresh run or a resumed one and returns it.</summary>
    public string Prepare(bool resume, bool overwrite)
    {
        if (File.Exists(OutputDir) || File.Exists(StagingDir))
            throw SharpTuneInputException.At(OutputDir, null, "output_dir", "is an existing file; pass a folder path");
        if (resume)
        {
            if (Directory.Exists(StagingDir))
                return StagingDir;
            if (Checkpoint.Latest(OutputDir) is not null)
            {
                CopyFolder(OutputDir, StagingDir); // extend a finished run, e.g. with a larger max_steps
                return StagingDir;
            }
            throw SharpTuneInputException.At(OutputDir, null, "output_dir",
                "no checkpoint to resume from here or in its .partial folder; run without --resume to start fresh");
        }

        OutputFolder.Check(OutputDir, "output_dir", overwrite);
        if (Directory.Exists(StagingDir) && Checkpoint.Latest(StagingDir) is not null && !overwrite)
            throw SharpTuneInputException.At(StagingDir, null, "output_dir",
                "holds checkpoints of an interrupted run; pass --resume to continue it or --overwrite to discard it");
        if (Directory.Exists(StagingDir))
            Directory.Delete(StagingDir, recursive: true);
        Directory.CreateDirectory(StagingDir);
        return StagingDir;
    }

    /// <summary>Moves the finished staging folder into place.</summary>
    public void Publish() => FolderSwap.Replace(StagingDir, OutputDir);

    static void CopyFolder(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }
}
