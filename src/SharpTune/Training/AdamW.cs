using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// AdamW (Loshchilov and Hutter, 2019) with bias correction and decoupled weight decay, as torch.optim.AdamW
/// with its defaults (betas 0.9/0.999, eps 1e-8). Moments are float32; a parameter stored in a 16-bit dtype also
/// gets a float32 master copy, so small updates are not rounded away. Written here rather than taken from
/// TorchSharp so its state is plain named tensors that checkpoints save and restore exactly.
/// </summary>
public sealed class AdamW : IDisposable
{
    public const double Beta1 = 0.9;
    public const double Beta2 = 0.999;
    public const double Epsilon = 1e-8;

    readonly List<Slot> slots;

    public int StepCount { get; private set; }

    sealed record Slot(string Name, Parameter Parameter, bool Decay, Tensor ExpAvg, Tensor ExpAvgSq, Tensor? Master);

    /// <param name="parameters">Trainable parameters by name.</param>
    /// <param name="decayFilter">Which names get weight decay (transformers skips biases and norm weights).</param>
    public AdamW(IEnumerable<(string Name, Parameter Parameter)> parameters, Func<string, bool> decayFilter)
    {
        slots = parameters.Select(p =>
        {
            var master = p.Parameter.dtype == ScalarType.Float32 ? null : p.Parameter.detach().to(ScalarType.Float32);
            var expAvg = zeros(p.Parameter.shape, dtype: ScalarType.Float32, device: p.Parameter.device);
            var expAvgSq = zeros(p.Parameter.shape, dtype: ScalarType.Float32, device: p.Parameter.device);
            return new Slot(p.Name, p.Parameter, decayFilter(p.Name), expAvg, expAvgSq, master);
        }).ToList();
    }

    public static bool DefaultDecayFilter(string name) => !name.EndsWith(".bias") && !name.Contains("norm");

    public IEnumerable<Parameter> Parameters => slots.Select(s => s.Parameter);

    /// <summary>Applies one update with learning rate <paramref name="lr"/>; parameters without a gradient are skipped.</summary>
    public void Step(double lr, double weightDecay)
    {
        StepCount++;
        double correction1 = 1 - Math.Pow(Beta1, StepCount);
        double correction2 = 1 - Math.Pow(Beta2, StepCount);
        using var guard = no_grad();
        foreach (var slot in slots)
        {
            var grad = slot.Parameter.grad;
            if (grad is null)
                continue;
            using var scope = NewDisposeScope();
            var g = grad.to(ScalarType.Float32);
            var weight = slot.Master ?? slot.Parameter;
            if (slot.Decay && weightDecay > 0)
                weight.mul_(1 - lr * weightDecay);
            slot.ExpAvg.mul_(Beta1).add_(g, alpha: 1 - Beta1);
            slot.ExpAvgSq.mul_(Beta2).addcmul_(g, g, value: 1 - Beta2);
            var denominator = (slot.ExpAvgSq / correction2).sqrt_().add_(Epsilon);
            weight.addcdiv_(slot.ExpAvg, denominator, value: -lr / correction1);
            if (slot.Master is not null)
                slot.Parameter.copy_(slot.Master);
        }
    }

    public void ZeroGrad()
    {
        foreach (var slot in slots)
            slot.Parameter.grad?.zero_();
    }

    /// <summary>The state as named tensors, for checkpoints.</summary>
    public Dictionary<string, Tensor> StateTensors()
    {
        var state = new Dictionary<string, Tensor>();
        foreach (var slot in slots)
        {
            state[$"exp_avg.{slot.Name}"] = slot.ExpAvg;
            state[$"exp_avg_sq.{slot.Name}"] = slot.ExpAvgSq;
            if (slot.Master is not null)
                state[$"master.{slot.Name}"] = slot.Master;
        }
        return state;
    }

    /// <summary>Restores moments, master copies and the step count saved by <see cref="StateTensors"/>.</summary>
    public void LoadState(Func<string, Tensor?> read, int stepCount)
    {
        using var guard = no_grad();
        foreach (var slot in slots)
        {
            CopyInto(slot.ExpAvg, read($"exp_avg.{slot.Name}"), slot.Name);
            CopyInto(slot.ExpAvgSq, read($"exp_avg_sq.{slot.Name}"), slot.Name);
            if (slot.Master is not null)
                CopyInto(slot.Master, read($"master.{slot.Name}"), slot.Name);
        }
        StepCount = stepCount;
    }

    static void CopyInto(Tensor target, Tensor? source, string name)
    {
        if (source is null)
            throw new SharpTuneInputException($"optimizer state for '{name}' is missing from the checkpoint; it was saved by a different run setup");
        target.copy_(source);
        source.Dispose();
    }

    public void Dispose()
    {
        foreach (var slot in slots)
        {
            slot.ExpAvg.Dispose();
            slot.ExpAvgSq.Dispose();
            slot.Master?.Dispose();
        }
    }
}
