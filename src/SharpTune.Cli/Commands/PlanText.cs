using SharpTune.Planning;
using static SharpTune.Planning.Recommender;

namespace SharpTune.Cli.Commands;

/// <summary>Writes a <see cref="PlanReport"/> as aligned text tables.</summary>
public static class PlanText
{
    public static void Write(TextWriter output, PlanReport report)
    {
        var request = report.Request;
        var memory = report.Memory;
        double share = 100.0 * memory.TrainableParameters / memory.TotalParameters;
        output.WriteLine($"Model {report.Model}: {memory.TotalParameters / 1e9:0.###} B parameters, " +
            $"{memory.TrainableParameters:N0} trainable ({share:0.#####}%)");
        output.WriteLine($"Plan: {Spell(request.Objective)} + {Spell(request.Mechanism)}, {Spell(request.Precision)}, " +
            $"{Spell(request.Optimizer)}, seq {request.SeqLen} × batch {request.BatchSize}, " +
            $"checkpointing {(request.GradientCheckpointing ? "on" : "off")}, {request.DeviceCount} device(s)");
        output.WriteLine();

        output.WriteLine($"{"component",-22} {"GiB",9}  formula");
        foreach (var component in memory.Components)
            output.WriteLine($"{component.Component,-22} {Gib(component.Bytes),9}  {component.Formula}");
        output.WriteLine($"{"total",-22} {Gib(memory.TotalBytes),9}");
        output.WriteLine($"Activations: {Gib(memory.ActivationsWithoutCheckpointing)} GiB without gradient checkpointing, " +
            $"{Gib(memory.ActivationsWithCheckpointing)} GiB with it.");
        output.WriteLine();

        output.WriteLine($"{"device",-22} {"memory",7} {"fits",5} {"max batch",10} {"max seq",8}");
        foreach (var fit in report.Fits)
            output.WriteLine($"{fit.Accelerator.Name,-22} {fit.Accelerator.MemoryGiB,7:0.#} {(fit.Fits ? "yes" : "no"),5} {fit.MaxBatchSize,10} {fit.MaxSeqLen,8}");

        foreach (var warning in report.Warnings)
            output.WriteLine($"warning: {warning}");

        if (report.Recommendation is { } recommendation)
        {
            output.WriteLine();
            output.WriteLine(recommendation.Request is null
                ? "Recommendation: none fits"
                : $"Recommendation: {string.Join(", then ", recommendation.Stages)} in {Spell(recommendation.Request.Precision)} " +
                  $"({Gib(recommendation.EstimateBytes ?? 0)} GiB)");
            foreach (var reason in recommendation.Reasons)
                output.WriteLine($"  - {reason}");
        }

        if (report.Data is { } data)
        {
            output.WriteLine();
            output.WriteLine($"Data {data.Path}: {data.Records} records");
            if (data.Max is not null)
            {
                output.WriteLine($"  tokens: min {data.Min}, median {data.Median}, p90 {data.P90}, p99 {data.P99}, max {data.Max}, mean {data.Mean:0.#}");
                output.WriteLine($"  truncated at --seq-len {data.SeqLen}: {data.TruncatedAtSeqLen}; " +
                    $"beyond the context window of {data.ContextWindow}: {data.TruncatedAtContextWindow}");
            }
            if (data.Note is not null)
                output.WriteLine($"  note: {data.Note}");
        }
    }
}
