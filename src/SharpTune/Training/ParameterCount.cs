using System.Text.Json.Nodes;
using TorchSharp;

namespace SharpTune.Training;

/// <summary>Trainable and total parameter counts, as PEFT's <c>print_trainable_parameters</c> reports them.</summary>
public sealed record ParameterCount(long Trainable, long Total)
{
    public double TrainablePercent => Total == 0 ? 0 : 100.0 * Trainable / Total;

    public static ParameterCount Of(torch.nn.Module model)
    {
        long trainable = 0, total = 0;
        foreach (var parameter in model.parameters())
        {
            total += parameter.numel();
            if (parameter.requires_grad)
                trainable += parameter.numel();
        }
        return new ParameterCount(trainable, total);
    }

    public JsonObject ToJson() => new()
    {
        ["trainable_parameters"] = Trainable,
        ["total_parameters"] = Total,
        ["trainable_percent"] = Math.Round(TrainablePercent, 6),
    };

    public override string ToString() =>
        $"trainable params: {Trainable:N0} || all params: {Total:N0} || trainable%: {TrainablePercent:0.####}";
}
