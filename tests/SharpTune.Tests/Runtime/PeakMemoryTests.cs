using SharpTune.Runtime;
using static TorchSharp.torch;

namespace SharpTune.Tests.Runtime;

/// <summary>Peak resident set size on the CPU, read from /proc/self/status.</summary>
public sealed class PeakMemoryTests
{
    [Fact]
    public void Cpu_PeakGrowsWithLargeTensor()
    {
        // The peak is at least the current resident size plus the new pages, whatever earlier tests reached.
        long before = PeakMemory.ResidentSetBytes()!.Value;
        long extra = 512L * 1024 * 1024;
        using (var large = ones(extra / 4, dtype: ScalarType.Float32)) // Touches every page, so they become resident.
        {
            long after = PeakMemory.PeakResidentSetBytes()!.Value;

            Assert.True(after >= before + extra * 9 / 10, $"VmHWM is {after} bytes; VmRSS was {before} before allocating {extra}");
        }
    }

    [Fact]
    public void Cpu_ReadingNamesSource()
    {
        Assert.Equal("cpu_vmhwm", PeakMemory.Read(CPU)!.Source);
    }
}
