using SharpTune.Planning;
using SharpTune.Planning.Presets;

namespace SharpTune.Tests.Planning;

/// <summary>Device lookup and the fit search.</summary>
public class GpuCatalogTests
{
    [Theory]
    [InlineData("RTX 4090", "rtx-4090")]
    [InlineData("4090", "rtx-4090")]
    [InlineData("a100_80gb", "a100-80gb")]
    [InlineData("TPU v4", "tpu-v4")]
    public void NameVariantsResolve(string input, string expected)
    {
        Assert.Equal(expected, GpuCatalog.Find(input).Name);
    }

    [Fact]
    public void UnknownNameListsCloseNames()
    {
        var error = Assert.Throws<SharpTuneInputException>(() => GpuCatalog.Find("rtx-4080"));

        Assert.Contains("rtx-4090", error.Message);
    }

    [Fact]
    public void MaxBatchFillsBudget()
    {
        // Budget = the estimate at batch 1 plus exactly two more batches of activations, so batch 3 fits and 4 does not.
        var request = new PlanRequest { Model = ModelPresets.Find("qwen2.5-0.5b")!, SeqLen = 256 };
        long one = MemoryEstimator.Estimate(request).TotalBytes;
        long perBatch = ActivationEstimator.Bytes(request);
        var device = new Accelerator("test", (one + 2 * perBatch) / (double)(1L << 30), "custom");

        Assert.Equal(3, FitSearch.Check(request, device).MaxBatchSize);
    }
}
