using SharpTune.Planning;
using SharpTune.Planning.Presets;

namespace SharpTune.Tests.Planning;

/// <summary>The four worked paths of the decision framework, each from the inputs that describe its scenario.</summary>
public class RecommenderTests
{
    static Recommendation Recommend(string preset, PlanObjective objective, string gpu, PlanGoal? goal = null,
        int devices = 1, bool checkpointing = false) =>
        Recommender.Recommend(
            new PlanRequest { Model = ModelPresets.Find(preset)!, Objective = objective, DeviceCount = devices, GradientCheckpointing = checkpointing },
            GpuCatalog.Find(gpu).MemoryGiB, goal);

    [Fact]
    public void ChatAssistantGetsLoraBf16()
    {
        var result = Recommend("llama-3-8b-instruct", PlanObjective.Sft, "a100-80gb", PlanGoal.Chat);

        Assert.Equal(PlanObjective.Sft, result.Request!.Objective);
        Assert.Equal(PlanMechanism.Lora, result.Request.Mechanism);
        Assert.Equal(PlanPrecision.Bf16, result.Request.Precision);
    }

    [Fact]
    public void BudgetToneAlignmentGetsDpoQlora()
    {
        var result = Recommend("qwen3-4b", PlanObjective.Dpo, "rtx-3060", PlanGoal.Alignment);

        Assert.Equal(PlanObjective.Dpo, result.Request!.Objective);
        Assert.Equal(PlanMechanism.Qlora, result.Request.Mechanism);
        Assert.Equal(PlanPrecision.Nf4, result.Request.Precision);
    }

    [Fact]
    public void EncoderClassifierGetsSftThenHead()
    {
        var result = Recommend("bert-base-uncased", PlanObjective.Classify, "t4", PlanGoal.Classifier);

        Assert.Equal(["sft", "classify + linear_probe"], result.Stages);
        Assert.Equal(PlanMechanism.LinearProbe, result.Request!.Mechanism);
    }

    [Fact]
    public void FlagshipAlignmentGetsFullRlhfBf16()
    {
        var result = Recommend("llama-3-8b", PlanObjective.Rlhf, "h100", PlanGoal.Alignment, devices: 8, checkpointing: true);

        Assert.Equal(PlanObjective.Rlhf, result.Request!.Objective);
        Assert.Equal(PlanMechanism.Full, result.Request.Mechanism);
        Assert.Equal(PlanPrecision.Bf16, result.Request.Precision);
    }

    [Fact]
    public void ContinuedPretrainingNeverGetsReft()
    {
        // A 70B model on one 8 GiB laptop GPU: nothing fits, and ReFT is not offered as a way out.
        var result = Recommend("llama-3-70b", PlanObjective.Cpt, "laptop-rtx-4070");

        Assert.Null(result.Request);
        Assert.DoesNotContain(result.Reasons, r => r.StartsWith("loreft in", StringComparison.Ordinal));
    }
}
