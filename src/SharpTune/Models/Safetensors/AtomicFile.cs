namespace SharpTune.Models.Safetensors;

/// <summary>Writes a file through a temporary sibling and a rename, so readers see the old file or the new one, never a part.</summary>
public static class AtomicFile
{
    /// <summary>
    /// Runs <paramref name="write"/> on a new temporary file in the target's folder, flushes it to disk, then
    /// renames it over <paramref name="path"/>. If anything throws, the temporary file is deleted and an
    /// existing file at <paramref name="path"/> is left untouched. Creates the folder when it is missing.
    /// </summary>
    public static void Write(string path, Action<FileStream> write)
    {
        var target = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(folder);

        // Same folder, so the rename stays on one file system and rename(2) replaces the target atomically.
        var temporary = Path.Combine(folder, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            DeleteQuietly(temporary);
            throw;
        }
    }

    // A failed cleanup must not hide the error that caused it, so a hidden *.tmp file may be left behind.
    static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
