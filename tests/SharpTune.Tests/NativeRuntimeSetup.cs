using System.Runtime.CompilerServices;
using SharpTune.Runtime;

namespace SharpTune.Tests;

static class NativeRuntimeSetup
{
    // Tests touch TorchSharp directly, so the native library must be prepared before any of them runs.
    [ModuleInitializer]
    internal static void Initialize() => TorchRuntime.EnsureLoaded();
}
