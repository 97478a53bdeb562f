namespace SharpTune.Planning;

/// <summary>What the model is being tuned for; it picks the path where the objective alone does not.</summary>
public enum PlanGoal { Chat, Alignment, Classifier, Knowledge }

/// <summary>A suggested mechanism and precision, with one line of reason per decision.</summary>
/// <param name="Stages">Training stages in order, e.g. <c>sft + lora</c>, or <c>sft</c> then <c>classify + linear_probe</c>.</param>
/// <param name="Request">The final stage's settings; null when nothing fits the memory budget.</param>
/// <param name="EstimateBytes">The final stage's estimate on one device; null when nothing fits.</param>
/// <param name="Reasons">One line per candidate tried: why it was passed over or chosen.</param>
public sealed record Recommendation(IReadOnlyList<string> Stages, PlanRequest? Request, long? EstimateBytes, IReadOnlyList<string> Reasons);

/// <summary>
/// The decision framework as code: try the candidates the goal prefers, in order, and keep the first that fits.
/// ReFT and head tuning are never suggested for continued pre-training, because they edit or read representations
/// and cannot store new knowledge in the weights.
/// </summary>
public static class Recommender
{
    /// <param name="request">Model, objective, sequence length, batch size and device count; mechanism and precision are chosen here.</param>
    /// <param name="budgetGiB">Memory of one device.</param>
    /// <param name="goal">The goal, or null to derive it from the objective.</param>
    public static Recommendation Recommend(PlanRequest request, double budgetGiB, PlanGoal? goal)
    {
        var effectiveGoal = goal ?? DefaultGoal(request.Objective);
        long budget = (long)(budgetGiB * (1L << 30));
        var reasons = new List<string>();

        if (effectiveGoal == PlanGoal.Classifier)
            return RecommendClassifier(request, budget, reasons);

        foreach (var (mechanism, precision, why) in Candidates(request.Objective, effectiveGoal))
        {
            var candidate = request with { Mechanism = mechanism, Precision = precision, LoraAllLinear = mechanism == PlanMechanism.Qlora };
            long estimate = MemoryEstimator.Estimate(candidate).TotalBytes;
            string name = $"{Spell(mechanism)} in {Spell(precision)}";
            if (estimate > budget)
            {
                reasons.Add($"{name}: needs {Gib(estimate)} GiB, more than the {budgetGiB:0.#} GiB available");
                continue;
            }
            reasons.Add($"{name}: fits in {Gib(estimate)} GiB; {why}");
            return new Recommendation([$"{Spell(request.Objective)} + {Spell(mechanism)}"], candidate, estimate, reasons);
        }
        if (request.Objective == PlanObjective.Cpt)
            reasons.Add("loreft and linear_probe are not recommended for cpt: they cannot inject new knowledge into the weights");
        reasons.Add("nothing fits: shorten --seq-len, use --gradient-checkpointing, add devices with --gpu-count, or pick a smaller model");
        return new Recommendation([], null, null, reasons);
    }

    static Recommendation RecommendClassifier(PlanRequest request, long budget, List<string> reasons)
    {
        foreach (var precision in new[] { PlanPrecision.Bf16, PlanPrecision.Nf4 })
        {
            var probe = request with { Objective = PlanObjective.Classify, Mechanism = PlanMechanism.LinearProbe, Precision = precision };
            long estimate = MemoryEstimator.Estimate(probe).TotalBytes;
            if (estimate > budget)
            {
                reasons.Add($"linear_probe in {Spell(precision)}: needs {Gib(estimate)} GiB, more than the budget");
                continue;
            }
            reasons.Add("sft first: adapt the encoder to the domain's text when its wording differs from pre-training");
            reasons.Add($"then linear_probe in {Spell(precision)}: fits in {Gib(estimate)} GiB; a head on frozen features " +
                "trains in minutes and cannot damage the base");
            return new Recommendation(["sft", "classify + linear_probe"], probe, estimate, reasons);
        }
        reasons.Add("nothing fits: pick a smaller encoder or shorten --seq-len");
        return new Recommendation([], null, null, reasons);
    }

    static PlanGoal DefaultGoal(PlanObjective objective) => objective switch
    {
        PlanObjective.Classify => PlanGoal.Classifier,
        PlanObjective.Cpt => PlanGoal.Knowledge,
        PlanObjective.Rlhf => PlanGoal.Alignment,
        _ => PlanGoal.Chat,
    };

    static IEnumerable<(PlanMechanism, PlanPrecision, string)> Candidates(PlanObjective objective, PlanGoal goal)
    {
        // Full fine-tuning is first only where it buys something: new knowledge, or a flagship alignment run.
        if (goal == PlanGoal.Knowledge || objective == PlanObjective.Cpt)
            yield return (PlanMechanism.Full, PlanPrecision.Bf16, "continued pre-training stores new knowledge best when every weight can move");
        else if (goal == PlanGoal.Alignment && objective == PlanObjective.Rlhf)
            yield return (PlanMechanism.Full, PlanPrecision.Bf16, "a flagship alignment run has the hardware to let every weight follow the reward");

        yield return (PlanMechanism.Lora, PlanPrecision.Bf16, "low-rank adapters reach close to full quality on instruction and preference data at a fraction of the memory");
        yield return (PlanMechanism.Qlora, PlanPrecision.Nf4, "a 4-bit base frees the memory that 16-bit weights would take, at a small quality cost");

        if (objective == PlanObjective.Cpt)
            yield break; // ReFT cannot inject new knowledge.
        yield return (PlanMechanism.Loreft, PlanPrecision.Bf16, "a few thousand intervention parameters steer style and format when adapters do not fit");
        yield return (PlanMechanism.Loreft, PlanPrecision.Nf4, "interventions over a 4-bit base are the smallest trainable setup");
    }

    /// <summary>Formats bytes as GiB with two decimals.</summary>
    public static string Gib(long bytes) => (bytes / (double)(1L << 30)).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Returns the command-line spelling of an enum value (LinearProbe is linear_probe).</summary>
    public static string Spell<T>(T value) where T : struct, Enum =>
        string.Concat(value.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
