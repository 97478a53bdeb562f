using static TorchSharp.torch;

namespace SharpTune.Runtime;

/// <summary>Turns the <c>--device auto|cpu|cuda</c> setting into a TorchSharp device.</summary>
public static class DeviceSelector
{
    public static readonly IReadOnlyList<string> Choices = ["auto", "cpu", "cuda"];

    /// <summary>Resolves the setting; auto picks CUDA when the CUDA build of libtorch is installed and a GPU is present, else the CPU.</summary>
    public static Device Resolve(string setting)
    {
        TorchRuntime.EnsureLoaded();
        switch (setting)
        {
            case "cpu":
                return CPU;
            case "cuda":
                if (!cuda.is_available())
                    throw new SharpTuneInputException(
                        "device: cuda requested but no CUDA device is available; build with -p:TorchBackend=cuda on a machine with an NVIDIA GPU (see docs/gpu.md), or use --device cpu");
                return CUDA;
            case "auto":
                return cuda.is_available() ? CUDA : CPU;
            default:
                throw new SharpTuneInputException($"device: '{setting}' is not valid; expected one of {string.Join(", ", Choices)}");
        }
    }
}
