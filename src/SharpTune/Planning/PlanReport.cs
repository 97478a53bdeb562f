namespace SharpTune.Planning;

/// <summary>Everything <c>sharptune plan</c> prints: the estimate, the devices it fits, a recommendation and a data check.</summary>
public sealed record PlanReport
{
    public required string Model { get; init; }
    public required PlanRequest Request { get; init; }
    public required MemoryBreakdown Memory { get; init; }
    /// <summary>Fit against the requested device, or against every catalogue device when none was requested.</summary>
    public required IReadOnlyList<FitResult> Fits { get; init; }
    public Recommendation? Recommendation { get; init; }
    public DataLengthReport? Data { get; init; }
    /// <summary>Cells of the decision framework that advise against the requested combination.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Builds the report for one request.</summary>
    /// <param name="request">The run to estimate.</param>
    /// <param name="device">A single device to check, or null to check the whole catalogue.</param>
    /// <param name="recommendGoal">When set, the recommendation is made for this goal; null with <paramref name="recommend"/> derives the goal from the objective.</param>
    /// <param name="recommend">Whether to add a recommendation; it needs <paramref name="device"/>.</param>
    /// <param name="dataPath">A data file to check, or null.</param>
    public static PlanReport Build(PlanRequest request, Accelerator? device, bool recommend, PlanGoal? recommendGoal, string? dataPath)
    {
        var devices = device is null ? GpuCatalog.All : [device];
        Recommendation? recommendation = null;
        if (recommend)
        {
            var budget = device ?? throw SharpTuneInputException.At(null, null, "--recommend",
                "needs the hardware: pass --gpu NAME or --vram GB");
            recommendation = Recommender.Recommend(request, budget.MemoryGiB, recommendGoal);
        }
        return new PlanReport
        {
            Model = request.Model.Name,
            Request = request,
            Memory = MemoryEstimator.Estimate(request),
            Fits = devices.Select(d => FitSearch.Check(request, d)).ToArray(),
            Recommendation = recommendation,
            Data = dataPath is null ? null : DataLengthCheck.Run(dataPath, request.Model, request.SeqLen),
            Warnings = WarningsFor(request),
        };
    }

    static IReadOnlyList<string> WarningsFor(PlanRequest request)
    {
        var warnings = new List<string>();
        if (request.Objective == PlanObjective.Cpt && request.Mechanism is PlanMechanism.Loreft or PlanMechanism.Direft or PlanMechanism.LinearProbe)
            warnings.Add($"not recommended: {Recommender.Spell(request.Mechanism)} cannot inject new knowledge for continued pre-training; use full, lora or qlora");
        if (request.Model.Architecture == ArchitectureKind.Encoder && request.Objective is not (PlanObjective.Classify or PlanObjective.Reward))
            warnings.Add("an encoder has no language-model head; plan it with --objective classify");
        if (request.SeqLen > request.Model.MaxPositionEmbeddings)
            warnings.Add($"--seq-len {request.SeqLen} exceeds the model's context window of {request.Model.MaxPositionEmbeddings} tokens");
        return warnings;
    }
}
