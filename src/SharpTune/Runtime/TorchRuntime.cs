using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TorchSharp;

namespace SharpTune.Runtime;

/// <summary>
/// Loads TorchSharp's native library, working around a libstdc++ that is older than the one it was built with.
/// </summary>
/// <remarks>
/// TorchSharp 0.107's <c>libLibTorchSharp.so</c> requires <c>GLIBCXX_3.4.32</c> (GCC 13), which Debian 12's
/// libstdc++ (3.4.30) lacks. The only symbol bound to that version is <c>std::ios_base_library_init()</c>,
/// which GCC 13's <c>&lt;iostream&gt;</c> references to force a link dependency and never calls (the library
/// has no relocation against it). On such systems we write a copy whose requirement is marked weak into a
/// per-user cache folder and hand that copy to TorchSharp through a DllImport resolver. Systems whose
/// libstdc++ defines the version load the packaged library unchanged.
/// </remarks>
public static class TorchRuntime
{
    internal const string RequiredVersion = "GLIBCXX_3.4.32";
    internal const string ProbeSymbol = "_ZSt21ios_base_library_initv";
    const string LibraryFileName = "libLibTorchSharp.so";

    static readonly Lock Gate = new();
    static bool initialized;

    /// <summary>The patched copy in use, or null when the packaged library loaded as it is.</summary>
    public static string? PatchedLibraryPath { get; private set; }

    /// <summary>
    /// Prepares the native libraries once per process. Call before the first TorchSharp tensor is made;
    /// every SharpTune entry point does.
    /// </summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (initialized)
                return;
            initialized = true;
            if (!OperatingSystem.IsLinux())
                return;

            var nativeDir = FindNativeDirectory();
            if (nativeDir is null)
                return; // TorchSharp's own probing reports what is missing.

            var patched = PreparePatchedCopy(nativeDir, CacheDirectory(), SystemDefines(RequiredVersion, ProbeSymbol));
            if (patched is null)
                return;

            LoadWithPatchedCopy(nativeDir, patched);
            PatchedLibraryPath = patched;
        }
    }

    /// <summary>
    /// Writes a copy of the native library with the <see cref="RequiredVersion"/> requirement marked weak,
    /// unless <paramref name="systemHasVersion"/>. Returns the copy's path, or null when none is needed.
    /// The copy is keyed by the original's SHA-256, so a TorchSharp upgrade gets a fresh one.
    /// </summary>
    internal static string? PreparePatchedCopy(string nativeDir, string cacheDir, bool systemHasVersion)
    {
        if (systemHasVersion)
            return null;

        var original = Path.Combine(nativeDir, LibraryFileName);
        var bytes = File.ReadAllBytes(original);
        var hash = Convert.ToHexString(SHA256.HashData(bytes))[..16].ToLowerInvariant();
        var target = Path.Combine(cacheDir, hash, LibraryFileName);
        if (File.Exists(target))
            return target;

        if (ElfVersionPatcher.MarkVersionWeak(bytes, RequiredVersion) == 0)
            return null; // This build does not need the version, so nothing to patch.

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temp = target + $".{Environment.ProcessId}.tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, target, overwrite: true);
        return target;
    }

    static void LoadWithPatchedCopy(string nativeDir, string patched)
    {
        // The copy lives outside the package folder, so its $ORIGIN runpath cannot find libtorch.
        // Loading the dependencies first by full path lets the loader match them by soname.
        foreach (var dependency in new[] { "libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so" })
        {
            var path = Path.Combine(nativeDir, dependency);
            if (File.Exists(path))
                NativeLibrary.Load(path);
        }

        var handle = NativeLibrary.Load(patched);
        NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, (name, _, _) =>
            name == "LibTorchSharp" || name == LibraryFileName ? handle : IntPtr.Zero);
    }

    static string? FindNativeDirectory()
    {
        var rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        var candidates = new List<string>
        {
            Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native"),
            AppContext.BaseDirectory,
        };
        var torchSharpDir = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        if (!string.IsNullOrEmpty(torchSharpDir))
        {
            candidates.Add(Path.Combine(torchSharpDir, "runtimes", rid, "native"));
            candidates.Add(torchSharpDir);
        }
        return candidates.FirstOrDefault(dir =>
            File.Exists(Path.Combine(dir, LibraryFileName)) && File.Exists(Path.Combine(dir, "libtorch_cpu.so")));
    }

    /// <summary>Per-user cache: $SHARPTUNE_CACHE, else $XDG_CACHE_HOME/sharptune, else ~/.cache/sharptune.</summary>
    internal static string CacheDirectory()
    {
        var explicitDir = Environment.GetEnvironmentVariable("SHARPTUNE_CACHE");
        if (!string.IsNullOrEmpty(explicitDir))
            return Path.Combine(explicitDir, "native");
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = !string.IsNullOrEmpty(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "sharptune", "native");
    }

    /// <summary>Checks whether the process's libstdc++ defines <paramref name="symbol"/> at <paramref name="version"/>.</summary>
    internal static bool SystemDefines(string version, string symbol)
    {
        var handle = dlopen("libstdc++.so.6", RtldLazy);
        if (handle == IntPtr.Zero)
            return false;
        try
        {
            return dlvsym(handle, symbol, version) != IntPtr.Zero;
        }
        finally
        {
            dlclose(handle);
        }
    }

    const int RtldLazy = 1;

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false)]
    static extern IntPtr dlopen(string fileName, int flags);

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false)]
    static extern IntPtr dlvsym(IntPtr handle, string symbol, string version);

    [DllImport("libc")]
    static extern int dlclose(IntPtr handle);
}
