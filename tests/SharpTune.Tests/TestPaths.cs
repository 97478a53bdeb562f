using System.Runtime.CompilerServices;

namespace SharpTune.Tests;

/// <summary>Paths to the repository and to the shared real material beside it (never copied into the repository).</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Shared => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    public static string Stories260k => Path.Combine(Shared, "models", "stories260k");

    public static string SharedData(string file) => Path.Combine(Shared, "data", file);

    static string FindRepoRoot([CallerFilePath] string thisFile = "")
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SharpTune.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", ".."));
    }

    /// <summary>A fresh empty folder under the system temp folder, removed by the caller or left for inspection.</summary>
    public static string NewTempDir(string prefix = "sharptune-test")
    {
        var dir = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }
}
