using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Runtime;

/// <summary>A peak memory reading in bytes and where it came from.</summary>
/// <param name="Bytes">Peak memory in bytes.</param>
/// <param name="Source">
/// <c>cpu_vmhwm</c>: the process's peak resident set size (VmHWM in /proc/self/status), which includes the .NET
/// runtime and libtorch itself. <c>cuda_in_use</c>: the largest device memory in use seen at a sampling point.
/// </param>
public sealed record PeakMemoryReading(long Bytes, string Source)
{
    public double Megabytes => Math.Round(Bytes / (1024.0 * 1024.0), 1);
}

/// <summary>Measures peak memory of the current process for run metrics.</summary>
/// <remarks>
/// TorchSharp 0.107 exposes no CUDA caching-allocator statistics (PyTorch's <c>max_memory_allocated</c>), so on a GPU
/// this samples <c>cudaMemGetInfo</c> when <see cref="Sample"/> is called and keeps the largest value.
/// NOTE: the CUDA path counts every process on the device and the allocator's cached blocks, and it has not been run on a GPU here.
/// </remarks>
public static class PeakMemory
{
    static long cudaPeak;

    /// <summary>Records the device memory in use now when the device is CUDA; a no-op on the CPU.</summary>
    public static void Sample(Device device)
    {
        if (device.type != DeviceType.CUDA)
            return;
        if (CudaInUse() is long used)
            cudaPeak = Math.Max(cudaPeak, used);
    }

    /// <summary>Returns the peak for <paramref name="device"/>, or null when the platform offers no reading.</summary>
    public static PeakMemoryReading? Read(Device device)
    {
        if (device.type == DeviceType.CUDA)
        {
            Sample(device);
            return cudaPeak > 0 ? new PeakMemoryReading(cudaPeak, "cuda_in_use") : null;
        }
        return PeakResidentSetBytes() is long rss ? new PeakMemoryReading(rss, "cpu_vmhwm") : null;
    }

    /// <summary>
    /// Reads the peak for <paramref name="device"/> into <paramref name="record"/> as <c>peak_memory_mb</c> and
    /// <c>peak_memory_source</c>. Both keys are always written, null when the platform offers no reading, so step
    /// records and summaries have the same columns everywhere.
    /// </summary>
    public static void WriteTo(JsonObject record, Device device)
    {
        var peak = Read(device);
        record["peak_memory_mb"] = peak?.Megabytes;
        record["peak_memory_source"] = peak?.Source;
    }

    /// <summary>Returns the peak resident set size (VmHWM in /proc/self/status) in bytes, or null off Linux.</summary>
    public static long? PeakResidentSetBytes() => StatusBytes("VmHWM:");

    /// <summary>Returns the current resident set size (VmRSS in /proc/self/status) in bytes, or null off Linux.</summary>
    public static long? ResidentSetBytes() => StatusBytes("VmRSS:");

    static long? StatusBytes(string field)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path))
            return null;
        foreach (var line in File.ReadLines(path))
        {
            // Format: "VmHWM:\t  123456 kB"
            if (!line.StartsWith(field, StringComparison.Ordinal))
                continue;
            var fields = line[field.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(fields[0]) * 1024;
        }
        return null;
    }

    static long? CudaInUse()
    {
        try
        {
            return CudaRuntime.cudaMemGetInfo(out var free, out var total) == 0 ? (long)(total - free) : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    static class CudaRuntime
    {
        [DllImport("cudart", EntryPoint = "cudaMemGetInfo")]
        public static extern int cudaMemGetInfo(out nuint free, out nuint total);
    }
}
