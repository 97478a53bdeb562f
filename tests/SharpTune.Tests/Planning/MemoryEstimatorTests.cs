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

    // The activation sums below use stories260k: h 64, i 172, 5 layers, 8 heads, 4 kv heads of 8 (q 64), vocab 512,
    // s 16, b 2 (32 tokens). Language-model objectives add 12 B × 512 = 6144 B per token for the loss's backward.

    [Fact]
    public void ActivationsMatchHandSum()
    {
        // Full fp32, per layer: norms 2·64·(4 + 4) = 1024 B; 4 B × (4·64 + 8·16 attention + 4·172 MLP + 2·64 projection
        // inputs) = 4800 B; 5824 B. 5 layers + final norm 4·64 + 2·4·64 = 768 B + max(6144, 5824) = 36,032 B per token.
        var request = Stories(gradientCheckpointing: false);

        Assert.Equal(1_153_024, ActivationEstimator.Bytes(request));
    }

    [Fact]
    public void CheckpointedActivationsMatchHandSum()
    {
        // 5 layer inputs × 64 × 4 B = 1280 B + one recomputed layer 5824 B + 768 B + 6144 B = 14,016 B per token.
        var request = Stories(gradientCheckpointing: true);

        Assert.Equal(448_512, ActivationEstimator.Bytes(request));
    }

    [Fact]
    public void FusedAttentionDropsTheProbabilities()
    {
        // Per layer 5824 − 4 B · 8·16 = 5312 B; 5 · 5312 + 768 + 6144 = 33,472 B per token.
        var request = Stories(gradientCheckpointing: false) with { FusedAttention = true };

        Assert.Equal(1_071_104, ActivationEstimator.Bytes(request));
    }

    [Fact]
    public void FrozenLinearsKeepNoInputs()
    {
        // LoRA on q and v: norms keep their fp32 inputs only, 2·64·4 = 512 B; 4 B × (4·64 attention + 3·172 MLP
        // + 64 shared q/v input + 2·8 A outputs) = 3408 B; 3920 B per layer. The first layer's input needs no gradient
        // (−4·64), the final norm keeps its input (4·64): 5 · 3920 − 256 + 256 + 6144 = 25,744 B per token.
        var request = Stories(gradientCheckpointing: false) with { Mechanism = PlanMechanism.Lora, FusedAttention = true };

        Assert.Equal(823_808, ActivationEstimator.Bytes(request));
    }

    [Fact]
    public void QloraCountsEverySixteenBitAdapterInput()
    {
        // bf16 over NF4, LoRA on all seven projections: norms 512 B; 2 B × (256 + 516 + inputs 64 + 64 + 172
        // + 7 · 8 A outputs) = 2256 B; 2768 B per layer. 5 · 2768 − 256 + 256 + 6144 = 19,984 B per token.
        var request = Stories(gradientCheckpointing: false) with
        {
            Mechanism = PlanMechanism.Qlora, Precision = PlanPrecision.Nf4, LoraAllLinear = true, FusedAttention = true,
        };

        Assert.Equal(639_488, ActivationEstimator.Bytes(request));
    }

    [Fact]
    public void ReftKeepsNothingBeforeItsFirstEdit()
    {
        // LoReFT r 4 after every layer: 512 + 4 B × (256 + 516 + 64 edited layer output + 4) = 3872 B per layer, of which
        // the first layer keeps only its edit, 4 B × 68: 4 · 3872 + 272 + 256 + 6144 = 22,160 B per token.
        var request = Stories(gradientCheckpointing: false) with { Mechanism = PlanMechanism.Loreft, FusedAttention = true };

        Assert.Equal(709_120, ActivationEstimator.Bytes(request));
    }

    [Fact]
    public void LinearProbeHoldsOneMlpStep()
    {
        // No autograd: max(6·64 + 4·172 = 1072, 3·64 + 5·64 + 3·32 = 608) elements × 4 B = 4288 B per token.
        var request = Stories(gradientCheckpointing: false) with
        {
            Mechanism = PlanMechanism.LinearProbe, Objective = PlanObjective.Classify, FusedAttention = true,
        };

        Assert.Equal(137_216, ActivationEstimator.Bytes(request));
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
