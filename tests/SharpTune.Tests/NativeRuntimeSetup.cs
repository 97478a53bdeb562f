using System.Runtime.CompilerServices;
using SharpTune.Runtime;
using TorchSharp;

namespace SharpTune.Tests;

static class NativeRuntimeSetup
{
    // Tests touch TorchSharp directly, so the native library must be prepared before any of them runs.
    // xunit runs test classes in parallel, one per core; one libtorch thread each keeps the cores from being
    // oversubscribed, which made training tests several times slower on a 2-core machine.
    [ModuleInitializer]
    internal static void Initialize()
    {
        TorchRuntime.EnsureLoaded();
        torch.set_num_threads(1);
    }
}
