using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// Dynamic loss scaling for fp16 training, with torch.amp.GradScaler's defaults: the loss is multiplied by the
/// scale before backward so small gradients do not flush to zero in fp16; a step whose gradients contain inf or NaN
/// is skipped and the scale halves; after 2000 clean steps in a row the scale doubles.
/// </summary>
public sealed class GradScaler
{
    public const double DefaultInitialScale = 65536; // 2^16
    public const int GrowthInterval = 2000;
    public const double GrowthFactor = 2.0;
    public const double BackoffFactor = 0.5;

    public GradScaler(double initialScale = DefaultInitialScale)
    {
        if (!(initialScale > 0) || double.IsInfinity(initialScale))
            throw new ArgumentOutOfRangeException(nameof(initialScale), initialScale, "the loss scale must be a finite positive number");
        Scale = initialScale;
    }

    /// <summary>Factor the loss is multiplied by before backward.</summary>
    public double Scale { get; private set; }

    /// <summary>Clean steps since the last change of the scale.</summary>
    public int CleanSteps { get; private set; }

    /// <summary>Steps skipped because of overflow, over the scaler's lifetime.</summary>
    public int SkippedSteps { get; private set; }

    /// <summary>
    /// Divides every gradient by the scale in place and returns true when all of them are finite; on false the
    /// caller skips the optimizer step.
    /// </summary>
    public bool Unscale(IEnumerable<Parameter> parameters)
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        bool finite = true;
        foreach (var grad in parameters.Select(p => p.grad).OfType<Tensor>())
        {
            // Check in float32: a float16 gradient can hold a finite value that the division would keep finite.
            var g32 = grad.to(ScalarType.Float32);
            if (!g32.isfinite().all().item<bool>())
                finite = false;
            grad.copy_(g32 / Scale);
        }
        return finite;
    }

    /// <summary>Adjusts the scale after a step: halves it after an overflow, doubles it after a run of clean steps.</summary>
    public void Update(bool finite)
    {
        if (!finite)
        {
            Scale *= BackoffFactor;
            CleanSteps = 0;
            SkippedSteps++;
            return;
        }
        CleanSteps++;
        if (CleanSteps == GrowthInterval)
        {
            Scale *= GrowthFactor;
            CleanSteps = 0;
        }
    }
}
