using SharpTune.Precision;
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
/// <remarks>
/// With <c>eightBitState</c> both moments of every parameter with at least <see cref="MinQuantizedElements"/>
/// elements are stored block-wise in 8 bits (Dettmers et al., 2022): the first moment in the signed dynamic map,
/// the second in the unsigned one. Each step dequantizes them, applies the float32 update and quantizes the new
/// moments again, as bitsandbytes' <c>AdamW8bit</c> does.
/// With a <c>stateDevice</c> the moments and a float32 master copy of every parameter live on that device (the
/// CPU, to offload them from a GPU); each step moves the gradient there, updates the master copy and copies it
/// back into the parameter.
/// NOTE: the offloaded path has run only on the CPU, where a test forces it; it has not yet run with a GPU model.
/// </remarks>
public sealed class AdamW : IDisposable
{
    public const double Beta1 = 0.9;
    public const double Beta2 = 0.999;
    public const double Epsilon = 1e-8;

    /// <summary>
    /// Parameters with fewer elements keep float32 moments under 8-bit state, as bitsandbytes' <c>min_8bit_size</c>:
    /// their state is small, and biases and norms are sensitive to quantization error.
    /// </summary>
    public const int MinQuantizedElements = 4096;

    readonly List<Slot> slots;
    readonly Device? stateDevice;

    public int StepCount { get; private set; }

    sealed record Slot(string Name, Parameter Parameter, bool Decay, AdamWMoment ExpAvg, AdamWMoment ExpAvgSq, Tensor? Master);

    /// <param name="parameters">Trainable parameters by name.</param>
    /// <param name="decayFilter">Which names get weight decay (transformers skips biases and norm weights).</param>
    /// <param name="eightBitState">Store the moments block-wise in 8 bits (<c>training.optimizer: adamw8bit</c>).</param>
    /// <param name="stateDevice">Keep moments and master copies here instead of beside each parameter.</param>
    public AdamW(IEnumerable<(string Name, Parameter Parameter)> parameters, Func<string, bool> decayFilter,
        bool eightBitState = false, Device? stateDevice = null)
    {
        this.stateDevice = stateDevice;
        slots = parameters.Select(p =>
        {
            var device = stateDevice ?? p.Parameter.device;
            // Offloaded state always needs a master copy: the update runs where the state is.
            var master = p.Parameter.dtype == ScalarType.Float32 && stateDevice is null
                ? null
                : p.Parameter.detach().to(ScalarType.Float32, device, copy: true);
            bool quantize = eightBitState && p.Parameter.numel() >= MinQuantizedElements;
            AdamWMoment Moment(float[] map) => quantize
                ? new AdamWMoment.Blockwise8Bit(p.Parameter.shape, map, device)
                : new AdamWMoment.Float32(p.Parameter.shape, device);
            return new Slot(p.Name, p.Parameter, decayFilter(p.Name),
                Moment(DynamicQuantizationMap.Signed), Moment(DynamicQuantizationMap.Unsigned), master);
        }).ToList();
    }

    /// <summary>Bytes held by the two moments of every parameter, without master copies.</summary>
    public long MomentBytes => slots.Sum(s => s.ExpAvg.StorageBytes + s.ExpAvgSq.StorageBytes);

    /// <summary>Bytes held by float32 master copies.</summary>
    public long MasterBytes => slots.Sum(s => s.Master is null ? 0 : 4 * s.Master.numel());

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
            var g = grad.to(ScalarType.Float32, stateDevice ?? grad.device);
            var weight = slot.Master ?? slot.Parameter;
            if (slot.Decay && weightDecay > 0)
                weight.mul_(1 - lr * weightDecay);
            var expAvg = slot.ExpAvg.Read();
            var expAvgSq = slot.ExpAvgSq.Read();
            expAvg.mul_(Beta1).add_(g, alpha: 1 - Beta1);
            expAvgSq.mul_(Beta2).addcmul_(g, g, value: 1 - Beta2);
            var denominator = (expAvgSq / correction2).sqrt_().add_(Epsilon);
            weight.addcdiv_(expAvg, denominator, value: -lr / correction1);
            slot.ExpAvg.Write(expAvg);
            slot.ExpAvgSq.Write(expAvgSq);
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
            foreach (var (key, tensor) in slot.ExpAvg.State("exp_avg", slot.Name).Concat(slot.ExpAvgSq.State("exp_avg_sq", slot.Name)))
                state[key] = tensor;
            if (slot.Master is not null)
                state[$"master.{slot.Name}"] = slot.Master;
        }
        return state;
    }

    /// <summary>Restores moments, master copies and the step count saved by <see cref="StateTensors"/>; restore the parameters first.</summary>
    public void LoadState(Func<string, Tensor?> read, int stepCount)
    {
        using var guard = no_grad();
        foreach (var slot in slots)
        {
            foreach (var (key, tensor) in slot.ExpAvg.State("exp_avg", slot.Name).Concat(slot.ExpAvgSq.State("exp_avg_sq", slot.Name)))
                CopyInto(tensor, read(key), slot.Name);
            if (slot.Master is null)
                continue;
            // A float32 parameter has a master copy only when the state is offloaded; a checkpoint saved without
            // offloading lacks it, and the parameter, restored first, holds the same values.
            var master = read($"master.{slot.Name}");
            if (master is null && slot.Parameter.dtype == ScalarType.Float32)
                slot.Master.copy_(slot.Parameter);
            else
                CopyInto(slot.Master, master, slot.Name);
        }
        StepCount = stepCount;
    }

    static void CopyInto(Tensor target, Tensor? source, string name)
    {
        if (source is null)
            throw new SharpTuneInputException($"optimizer state for '{name}' is missing from the checkpoint; it was saved by a different run setup");
        if (source.dtype != target.dtype || !source.shape.SequenceEqual(target.shape))
        {
            source.Dispose();
            throw new SharpTuneInputException($"optimizer state for '{name}' in the checkpoint has another type or shape; it was saved with a different training.optimizer, resume with the optimizer the run started with");
        }
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
