namespace SharpTune;

/// <summary>Replaces a folder by a fully written one, so readers see either the old or the new content.</summary>
public static class FolderSwap
{
    /// <summary>
    /// Moves <paramref name="completed"/> to <paramref name="target"/>. An existing target is first renamed aside and
    /// deleted only after the move succeeded, so a crash in between leaves a complete copy under one of the names.
    /// </summary>
    public static void Replace(string completed, string target)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(target));
        if (!string.IsNullOrEmpty(parent))
            Directory.CreateDirectory(parent);

        if (!Directory.Exists(target))
        {
            Directory.Move(completed, target);
            return;
        }
        var aside = target + $".old-{Environment.ProcessId}-{DateTime.UtcNow.Ticks}";
        Directory.Move(target, aside);
        Directory.Move(completed, target);
        Directory.Delete(aside, recursive: true);
    }
}
