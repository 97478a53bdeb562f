namespace SharpTune.Planning;

/// <summary>
/// Estimates the peak memory of a training run from bytes per parameter and bytes per token.
/// docs/planner.md derives every term and names its source.
/// </summary>
public static class MemoryEstimator
{
    /// <summary>Bits per weight of NF4 with double quantization: 4 + 8/64 (int8 absmax per 64-block) + 32/(64·256) (fp32 second-level constant).</summary>
    public const double Nf4BitsPerParameter = 4 + 8.0 / 64 + 32.0 / (64 * 256);

    /// <exception cref="SharpTuneInputException">A mechanism and precision that cannot train together, or sizes below 1.</exception>
    public static MemoryBreakdown Estimate(PlanRequest request)
    {
        Validate(request);
        var m = request.Model;
        long total = m.TotalParameters;
        long trainable = TrainableParameters.Count(request);
        int devices = request.DeviceCount;
        bool sixteenBit = request.Precision != PlanPrecision.Fp32;
        int weightElement = sixteenBit ? 2 : 4;
        var components = new List<MemoryComponent>();

        long weights = WeightBytes(m, request.Precision);
        components.Add(new("weights", weights / devices, WeightFormula(request.Precision)));

        if (request.Mechanism == PlanMechanism.Full)
        {
            // Mixed precision keeps an fp32 master copy of every trained weight; fp32 training updates the weights in place.
            long master = sixteenBit ? 4 * trainable : 0;
            components.Add(new("trainable parameters", master / devices,
                sixteenBit ? "fp32 master weights: 4 B × trainable" : "trained in place: counted in weights"));
            components.Add(new("gradients", weightElement * trainable / devices, $"{weightElement} B × trainable"));
        }
        else
        {
            // Adapters, interventions and heads are small, so they are kept and updated in fp32.
            components.Add(new("trainable parameters", 4 * trainable / devices, "fp32: 4 B × trainable"));
            components.Add(new("gradients", 4 * trainable / devices, "fp32: 4 B × trainable"));
        }

        int optimizerBytes = OptimizerBytesPerParameter(request.Optimizer);
        components.Add(new("optimizer states", optimizerBytes * trainable / devices, OptimizerFormula(request.Optimizer)));

        long withoutCheckpointing = ActivationEstimator.Bytes(request with { GradientCheckpointing = false });
        long withCheckpointing = ActivationEstimator.Bytes(request with { GradientCheckpointing = true });
        long activations = request.GradientCheckpointing ? withCheckpointing : withoutCheckpointing;
        components.Add(new("activations", activations, ActivationEstimator.Formula(request)));

        AddExtraModels(request, components, weights, trainable, activations);

        components.Add(new("framework overhead", request.OverheadBytes, "CUDA context, cuBLAS workspace and allocator slack (fixed)"));
        return new MemoryBreakdown
        {
            Components = components,
            TotalParameters = total,
            TrainableParameters = trainable,
            ActivationsWithoutCheckpointing = withoutCheckpointing,
            ActivationsWithCheckpointing = withCheckpointing,
        };
    }

    /// <summary>Bytes of the base weights: NF4 quantizes the layers' linear weights; norms, biases and embeddings stay 16-bit.</summary>
    public static long WeightBytes(ModelShape model, PlanPrecision precision)
    {
        long rest = model.TotalParameters - model.LinearParameters;
        return precision switch
        {
            PlanPrecision.Fp32 => 4 * model.TotalParameters,
            PlanPrecision.Bf16 or PlanPrecision.Fp16 => 2 * model.TotalParameters,
            PlanPrecision.Nf4 => (long)Math.Ceiling(model.LinearParameters * Nf4BitsPerParameter / 8) + 2 * rest,
            _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, null),
        };
    }

    static int OptimizerBytesPerParameter(PlanOptimizer optimizer) => optimizer switch
    {
        PlanOptimizer.Adamw => 8,
        PlanOptimizer.Adamw8bit => 2,
        PlanOptimizer.Sgd => 0,
        _ => throw new ArgumentOutOfRangeException(nameof(optimizer), optimizer, null),
    };

    static string OptimizerFormula(PlanOptimizer optimizer) => optimizer switch
    {
        PlanOptimizer.Adamw => "AdamW: two fp32 moments, 8 B × trainable",
        PlanOptimizer.Adamw8bit => "8-bit AdamW: two 8-bit moments, 2 B × trainable (absmax per 2048 values and tensors under 4096 elements left out)",
        _ => "SGD without momentum: no state",
    };

    static string WeightFormula(PlanPrecision precision) => precision switch
    {
        PlanPrecision.Fp32 => "fp32: 4 B × parameters",
        PlanPrecision.Nf4 => $"NF4 with double quantization: {Nf4BitsPerParameter:0.###} bits × layer linear weights + 2 B × the rest",
        _ => $"{precision.ToString().ToLowerInvariant()}: 2 B × parameters",
    };

    // DPO keeps a frozen reference policy; PPO-style RLHF keeps a reference, a reward model and a value model.
    // With a frozen base (PEFT), the reference is the base with adapters switched off, as TRL does, so it costs nothing.
    static void AddExtraModels(PlanRequest request, List<MemoryComponent> components, long weights, long trainable, long activations)
    {
        int devices = request.DeviceCount;
        bool needsReference = request.Objective is PlanObjective.Dpo or PlanObjective.Rlhf;
        if (needsReference)
        {
            long reference = request.FreezesBase ? 0 : weights;
            components.Add(new("reference model", reference / devices,
                request.FreezesBase ? "base with adapters disabled: shared weights" : "frozen copy of the weights"));
        }
        if (request.Objective != PlanObjective.Rlhf)
            return;

        components.Add(new("reward model", weights / devices, "frozen model of the same size and precision"));
        if (request.FreezesBase)
        {
            long head = request.Model.HiddenSize + 1;
            components.Add(new("value model", 16 * head / devices,
                "value head on the shared backbone: h + 1 parameters × 16 B (fp32 weight, gradient, AdamW moments)"));
            return;
        }
        int element = request.Precision == PlanPrecision.Fp32 ? 4 : 2;
        long master = request.Precision == PlanPrecision.Fp32 ? 0 : 4;
        long perParameter = element + master + element + OptimizerBytesPerParameter(request.Optimizer);
        components.Add(new("value model", perParameter * trainable / devices + activations,
            $"a second trained model: {perParameter} B × parameters, plus its own activations"));
    }

    static void Validate(PlanRequest request)
    {
        if (request.SeqLen < 1)
            throw SharpTuneInputException.At(null, null, "--seq-len", $"{request.SeqLen} is not a positive token count; pass 1 or more");
        if (request.BatchSize < 1)
            throw SharpTuneInputException.At(null, null, "--batch-size", $"{request.BatchSize} is not a positive batch size; pass 1 or more");
        if (request.DeviceCount < 1)
            throw SharpTuneInputException.At(null, null, "--gpu-count", $"{request.DeviceCount} is not a positive device count; pass 1 or more");
        if (request.Precision == PlanPrecision.Nf4 && request.Mechanism is PlanMechanism.Full or PlanMechanism.Bitfit)
            throw SharpTuneInputException.At(null, null, "--precision",
                $"nf4 weights cannot be trained directly by {request.Mechanism.ToString().ToLowerInvariant()}; use bf16, or a mechanism that freezes the base (qlora, loreft, linear_probe)");
        if (request.Mechanism == PlanMechanism.Qlora && request.Precision != PlanPrecision.Nf4)
            throw SharpTuneInputException.At(null, null, "--precision",
                $"qlora trains over an nf4 base, not {request.Precision.ToString().ToLowerInvariant()}; pass --precision nf4 or --mechanism lora");
        if (request.Mechanism == PlanMechanism.LinearProbe && request.Objective != PlanObjective.Classify)
            throw SharpTuneInputException.At(null, null, "--mechanism",
                "linear_probe trains a classification head; pass --objective classify");
    }
}
