namespace SharpTune.Tests.Data;

/// <summary>Writes small data files into a fresh temp folder for reader and parser tests.</summary>
public static class TempDataFile
{
    /// <summary>Writes <paramref name="lines"/> joined by '\n' to <paramref name="fileName"/> and returns its path.</summary>
    public static string Write(string fileName, params string[] lines)
    {
        var path = Path.Combine(TestPaths.NewTempDir("sharptune-data"), fileName);
        File.WriteAllText(path, string.Join("\n", lines));
        return path;
    }
}
