using System.Text.Json.Nodes;
using SharpTune.Precision;
using TorchSharp;

namespace SharpTune.Training;

/// <summary>Trainable and total parameter counts, as PEFT's <c>print_trainable_parameters</c> reports them.</summary>
public sealed record ParameterCount(long Trainable, long Total)
{
    public double TrainablePercent => Total == 0 ? 0 : 100.0 * Trainable / Total;

    /// <summary>
    /// Counts the parameters of <paramref name="model"/>. A quantized linear layer, whose weight and bias are
    /// buffers, counts in × out weights plus its bias, as PEFT counts a 4-bit weight at its full size.
    /// </summary>
    public static ParameterCount Of(torch.nn.Module model)
    {
        long trainable = 0, total = 0;
        foreach (var parameter in model.parameters())
        {
            total += parameter.numel();
            if (parameter.requires_grad)
                trainable += parameter.numel();
        }
        // TorchSharp's named_modules leaves out the module itself.
        foreach (var module in model.named_modules().Select(m => m.module).Prepend(model).Distinct())
            if (module is QuantizedLinear quantized)
                total += quantized.InFeatures * quantized.OutFeatures + (quantized.Bias?.numel() ?? 0);
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
