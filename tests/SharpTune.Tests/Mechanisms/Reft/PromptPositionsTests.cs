using SharpTune.Data;
using SharpTune.Models.Llama;
using static TorchSharp.torch;

namespace SharpTune.Tests.Mechanisms.Reft;

public class PromptPositionsTests
{
    const long I = Batch.IgnoreIndex;

    // One row: 3 prompt tokens, 2 response tokens, then 2 pads (right) or 2 pads first (left).
    static Batch Row(long[] labels, long[] segments)
    {
        long[] shape = [1, labels.Length];
        return new Batch(zeros(shape, ScalarType.Int64), tensor(labels, shape), zeros(shape, ScalarType.Int64), tensor(segments, shape));
    }

    static long[] Values(Tensor t) => t.data<long>().ToArray();

    [Fact]
    public void RightPaddedCounts()
    {
        using var batch = Row([I, I, I, 7, 8, I, I], [1, 1, 1, 1, 1, 0, 0]);
        using var positions = PromptPositions.FromBatch(batch);

        Assert.Equal([0, 1, 2, -1, -1, -1, -1], Values(positions.FromStart));
        Assert.Equal([2, 1, 0, -1, -1, -1, -1], Values(positions.FromEnd));
        Assert.Equal([-1, -1, -1, 0, 1, -1, -1], Values(positions.ResponseIndex));
    }

    [Fact]
    public void LeftPaddedCounts()
    {
        using var batch = Row([I, I, I, I, I, 7, 8], [0, 0, 1, 1, 1, 1, 1]);
        using var positions = PromptPositions.FromBatch(batch);

        Assert.Equal([-1, -1, 0, 1, 2, -1, -1], Values(positions.FromStart));
        Assert.Equal([-1, -1, 2, 1, 0, -1, -1], Values(positions.FromEnd));
        Assert.Equal([-1, -1, -1, -1, -1, 0, 1], Values(positions.ResponseIndex));
    }

    [Fact]
    public void UnlabelledResponseTokenStaysResponse()
    {
        // A masked token inside the response (label ignored) is not part of the prompt.
        using var batch = Row([I, I, 7, I, 8], [1, 1, 1, 1, 1]);
        using var positions = PromptPositions.FromBatch(batch);

        Assert.Equal([0, 1, -1, -1, -1], Values(positions.FromStart));
        Assert.Equal([-1, -1, 0, 1, 2], Values(positions.ResponseIndex));
    }

    [Fact]
    public void PackedBatchRejected()
    {
        using var batch = Row([I, 7, I, 8], [1, 1, 2, 2]);

        Assert.Throws<NotSupportedException>(() => PromptPositions.FromBatch(batch));
    }

    [Fact]
    public void GeneratedStepCounts()
    {
        using var positions = PromptPositions.ForGenerated(3, CPU);

        Assert.Equal([-1], Values(positions.FromStart));
        Assert.Equal([3], Values(positions.ResponseIndex));
    }
}
