using SharpTune.Runtime;
using TorchSharp;

namespace SharpTune.Tests.Runtime;

public class NativeLoaderTests
{
    static readonly string NativeDir = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
    static string PackagedLibrary => Path.Combine(NativeDir, "libLibTorchSharp.so");

    [Fact]
    public void PackagedLibrary_RequiresGlibcxx332Strongly()
    {
        var requirements = ElfVersionPatcher.ListRequirements(File.ReadAllBytes(PackagedLibrary));

        var requirement = Assert.Single(requirements, r => r.Version == TorchRuntime.RequiredVersion);
        Assert.Equal("libstdc++.so.6", requirement.File);
        Assert.Equal(0, requirement.Flags & 0x2);
    }

    [Fact]
    public void MarkVersionWeak_ChangesOnlyThatFlag()
    {
        var original = File.ReadAllBytes(PackagedLibrary);
        var patched = (byte[])original.Clone();

        int changed = ElfVersionPatcher.MarkVersionWeak(patched, TorchRuntime.RequiredVersion);

        Assert.Equal(1, changed);
        var differing = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        Assert.Single(differing);
        var requirement = Assert.Single(ElfVersionPatcher.ListRequirements(patched), r => r.Version == TorchRuntime.RequiredVersion);
        Assert.Equal(0x2, requirement.Flags & 0x2);
        var others = ElfVersionPatcher.ListRequirements(patched).Where(r => r.Version != TorchRuntime.RequiredVersion);
        Assert.All(others, r => Assert.Equal(0, r.Flags & 0x2));
    }

    [Fact]
    public void MarkVersionWeak_SecondCallChangesNothing()
    {
        var bytes = File.ReadAllBytes(PackagedLibrary);
        ElfVersionPatcher.MarkVersionWeak(bytes, TorchRuntime.RequiredVersion);

        Assert.Equal(0, ElfVersionPatcher.MarkVersionWeak(bytes, TorchRuntime.RequiredVersion));
    }

    [Fact]
    public void MarkVersionWeak_RejectsNonElf()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.MarkVersionWeak(new byte[128], "X"));
    }

    [Fact]
    public void PreparePatchedCopy_NewerSystemWritesNothing()
    {
        var cache = TestPaths.NewTempDir();

        var path = TorchRuntime.PreparePatchedCopy(NativeDir, cache, systemHasVersion: true);

        Assert.Null(path);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache));
    }

    [Fact]
    public void PreparePatchedCopy_OlderSystemWritesWeakCopy()
    {
        var cache = TestPaths.NewTempDir();

        var path = TorchRuntime.PreparePatchedCopy(NativeDir, cache, systemHasVersion: false);

        Assert.NotNull(path);
        Assert.StartsWith(cache, path);
        var requirement = Assert.Single(ElfVersionPatcher.ListRequirements(File.ReadAllBytes(path)), r => r.Version == TorchRuntime.RequiredVersion);
        Assert.Equal(0x2, requirement.Flags & 0x2);
        Assert.Equal(path, TorchRuntime.PreparePatchedCopy(NativeDir, cache, systemHasVersion: false));
    }

    [Fact]
    public void EnsureLoaded_PatchesExactlyWhenSystemLacksVersion()
    {
        TorchRuntime.EnsureLoaded();
        bool systemHasVersion = TorchRuntime.SystemDefines(TorchRuntime.RequiredVersion, TorchRuntime.ProbeSymbol);

        Assert.Equal(!systemHasVersion, TorchRuntime.PatchedLibraryPath is not null);
        using var sum = torch.ones(2, 3).sum();
        Assert.Equal(6f, sum.item<float>());
    }

    [Fact]
    public void SystemDefines_KnowsOldGlibcxxVersion()
    {
        // GLIBCXX_3.4 dates from GCC 3.4, so every libstdc++ that runs .NET defines it.
        Assert.True(TorchRuntime.SystemDefines("GLIBCXX_3.4", "_ZNSt8ios_baseD2Ev"));
    }
}
