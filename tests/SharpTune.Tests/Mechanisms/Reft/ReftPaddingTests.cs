using SharpTune.Data;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests.Mechanisms.Reft;

/// <summary>Left and right padding of the same examples through a trained LoReFT model.</summary>
public class ReftPaddingTests(LoreftFixture fixture) : IClassFixture<LoreftFixture>
{
    const long PadId = 0;

    /// <summary>Two eval examples of different lengths, right-padded by the collator and left-padded by hand.</summary>
    (Batch Right, Batch Left) Batches()
    {
        var examples = fixture.EvalExamples.OrderBy(e => e.Length).Where((_, i) => i == 0 || i == fixture.EvalExamples.Count - 1).ToList();
        var right = new Collator(PadId).Collate(examples);

        int length = examples.Max(e => e.Length);
        var ids = new long[examples.Count * length];
        var labels = new long[examples.Count * length];
        var positions = new long[examples.Count * length];
        var segments = new long[examples.Count * length];
        Array.Fill(labels, Batch.IgnoreIndex);
        for (int row = 0; row < examples.Count; row++)
        {
            int offset = row * length + length - examples[row].Length;
            for (int i = 0; i < examples[row].Length; i++)
            {
                ids[offset + i] = examples[row].InputIds[i];
                labels[offset + i] = examples[row].Labels[i];
                positions[offset + i] = i;
                segments[offset + i] = 1;
            }
        }
        long[] shape = [examples.Count, length];
        var left = new Batch(tensor(ids, shape), tensor(labels, shape), tensor(positions, shape), tensor(segments, shape));
        return (right, left);
    }

    /// <summary>The selection mask at the real tokens of each row, in order.</summary>
    static bool[] RealSelected(ReftSftFixture fixture, Batch batch)
    {
        using var positions = PromptPositions.FromBatch(batch);
        using var selected = fixture.Reft.Selected(positions);
        using var real = batch.SegmentIds.ne(0);
        using var picked = selected.masked_select(real);
        return picked.data<bool>().ToArray();
    }

    [Fact]
    public void SameInterventionPositions()
    {
        var (right, left) = Batches();
        using var _ = right;
        using var __ = left;

        Assert.Equal(RealSelected(fixture, right), RealSelected(fixture, left));
    }

    [Fact]
    public void SameLoss()
    {
        var (right, left) = Batches();
        using var _ = right;
        using var __ = left;
        fixture.Model.eval();
        using var guard = no_grad();

        using var rightLoss = CausalLmObjective.Instance.LossSum(fixture.Model, right);
        using var leftLoss = CausalLmObjective.Instance.LossSum(fixture.Model, left);

        Assert.Equal(rightLoss.item<float>(), leftLoss.item<float>(), 1e-3f);
    }

    [Fact]
    public void InterventionChangesLoss()
    {
        // Guards the test above: the intervened model must differ from the base on this batch.
        var (right, _) = Batches();
        using var __ = right;
        fixture.Model.eval();
        using var guard = no_grad();
        using var withIntervention = CausalLmObjective.Instance.LossSum(fixture.Model, right);
        var hook = fixture.Model.model.HiddenStateHook;
        fixture.Model.model.HiddenStateHook = null;
        try
        {
            using var without = CausalLmObjective.Instance.LossSum(fixture.Model, right);

            Assert.NotEqual(without.item<float>(), withIntervention.item<float>());
        }
        finally
        {
            fixture.Model.model.HiddenStateHook = hook;
        }
    }
}
