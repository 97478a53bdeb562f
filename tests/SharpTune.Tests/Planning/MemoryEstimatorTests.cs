using SharpTune.Planning;
using SharpTune.Planning.Presets;

namespace SharpTune.Tests.Planning;

/// <summary>Memory components against bytes-per-parameter and bytes-per-token sums done by hand.</summary>
public class MemoryEstimatorTests
{
    static readonly ModelShape Llama2 = ModelPresets.Find("llama-2-7b")!;
    const long Llama2Parameters = 6_738_415_616L;

    static long Component(MemoryBreakdown breakdown, string name) =>
        breakdown.Components.Single(c => c.Component == name).Bytes;

    [Fact]
    public void FullBf16AdamUsesSixteenBytes()
    {
        var breakdown = MemoryEstimator.Estimate(new PlanRequest { Model = Llama2, Mechanism = PlanMechanism.Full });

        long states = Component(breakdown, "weights") + Component(breakdown, "trainable parameters")
            + Component(breakdown, "gradients") + Component(breakdown, "optimizer states");

        Assert.Equal(16 * Llama2Parameters, states);
    }

    [Fact]
    public void Adamw8bitMomentsUseTwoBytes()
    {
        var request = new PlanRequest { Model = Llama2, Mechanism = PlanMechanism.Full, Optimizer = PlanOptimizer.Adamw8bit };

        Assert.Equal(2 * Llama2Parameters, Component(MemoryEstimator.Estimate(request), "optimizer states"));
    }

    [Fact]
    public void Nf4BitsIncludeDoubleQuantization()
    {
        Assert.Equal(4.127, MemoryEstimator.Nf4BitsPerParameter, 3);
    }

    [Fact]
    public void QloraWeightsQuantizeLinearsOnly()
    {
        // 32 layers × 202,375,168 linear weights; embeddings, LM head and norms (262,410,240) stay bf16.
        long linear = 32L * (4 * 4096 * 4096 + 3 * 4096 * 11008);
        long expected = (long)Math.Ceiling(linear * (4 + 8.0 / 64 + 32.0 / 16384) / 8) + 2 * (Llama2Parameters - linear);

        var request = new PlanRequest { Model = Llama2, Mechanism = PlanMechanism.Qlora, Precision = PlanPrecision.Nf4 };

        Assert.Equal(expected, Component(MemoryEstimator.Estimate(request), "weights"));
    }

    [Fact]
    public void LoraRank8CountMatchesPeft()
    {
        // PEFT reports 4,194,304 trainable parameters for Llama-2-7B with r=8 on q_proj and v_proj.
        Assert.Equal(4_194_304, TrainableParameters.Count(new PlanRequest { Model = Llama2, Mechanism = PlanMechanism.Lora }));
    }

    [Fact]
    public void LoreftCountIsTwoRankByHidden()
    {
        long expected = 32 * (2 * 4 * 4096 + 4);

        Assert.Equal(expected, TrainableParameters.Count(new PlanRequest { Model = Llama2, Mechanism = PlanMechanism.Loreft }));
    }

    [Fact]
    public void ActivationsMatchHandSum()
    {
        // stories260k: h 64, i 172, 5 layers, 8 heads, 4 kv heads of 8, vocab 512; s 16, b 2, fp32.
        // Per layer 4·64 + 2·64 + 2·32 + 4·172 + 8·16 = 1264 elements; (5 + 1) · 1264 + 2·64 = 7712 elements × 4 B,
        // plus logits 512 × 16 B (logits, log-softmax and both gradients): 39,040 B per token × 32 tokens.
        var request = Stories(gradientCheckpointing: false);

        Assert.Equal(1_249_280, ActivationEstimator.Bytes(request));
    }

    [Fact]
    public void CheckpointedActivationsMatchHandSum()
    {
        // 5·64 layer inputs + 2 · 1264 (one layer recomputed, its gradients) + 2·64 = 2976 elements × 4 B + 8192 B logits.
        var request = Stories(gradientCheckpointing: true);

        Assert.Equal(643_072, ActivationEstimator.Bytes(request));
    }

    [Fact]
    public void FusedAttentionDropsTheProbabilities()
    {
        // Per layer 1264 − 8·16 = 1136 elements; (5 + 1) · 1136 + 2·64 = 6944 elements × 4 B + 8192 B logits = 35,968 B
        // per token × 32 tokens.
        var request = Stories(gradientCheckpointing: false) with { FusedAttention = true };

        Assert.Equal(1_150_976, ActivationEstimator.Bytes(request));
    }

    [Fact]
    public void DpoFullAddsReferenceCopy()
    {
        var request = new PlanRequest { Model = Llama2, Objective = PlanObjective.Dpo, Mechanism = PlanMechanism.Full };

        Assert.Equal(2 * Llama2Parameters, Component(MemoryEstimator.Estimate(request), "reference model"));
    }

    [Fact]
    public void DpoLoraSharesReference()
    {
        var request = new PlanRequest { Model = Llama2, Objective = PlanObjective.Dpo, Mechanism = PlanMechanism.Lora };

        Assert.Equal(0, Component(MemoryEstimator.Estimate(request), "reference model"));
    }

    [Fact]
    public void ReftFollowsBasePrecision()
    {
        var request = new PlanRequest { Model = Llama2, Mechanism = PlanMechanism.Loreft, Precision = PlanPrecision.Fp32 };

        Assert.Equal(4 * Llama2Parameters, Component(MemoryEstimator.Estimate(request), "weights"));
    }

    [Fact]
    public void FullOnNf4Rejected()
    {
        var request = new PlanRequest { Model = Llama2, Mechanism = PlanMechanism.Full, Precision = PlanPrecision.Nf4 };

        Assert.Throws<SharpTuneInputException>(() => MemoryEstimator.Estimate(request));
    }

    [Fact]
    public void NegativeBatchRejected()
    {
        var request = new PlanRequest { Model = Llama2, BatchSize = -1 };

        Assert.Throws<SharpTuneInputException>(() => MemoryEstimator.Estimate(request));
    }

    static PlanRequest Stories(bool gradientCheckpointing) => new()
    {
        Model = ModelResolver.Resolve(TestPaths.Stories260k),
        Mechanism = PlanMechanism.Full,
        Precision = PlanPrecision.Fp32,
        SeqLen = 16,
        BatchSize = 2,
        GradientCheckpointing = gradientCheckpointing,
    };
}
