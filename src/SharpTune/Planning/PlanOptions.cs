namespace SharpTune.Planning;

/// <summary>Training objective being planned; it decides which extra models and batch copies are resident.</summary>
public enum PlanObjective { Cpt, Sft, Dpo, Rlhf, Reward, Classify }

/// <summary>Which parameters are trained.</summary>
public enum PlanMechanism { Full, Lora, Qlora, Dora, Loreft, Direft, Bitfit, LinearProbe }

/// <summary>Storage type of the frozen or trained base weights.</summary>
public enum PlanPrecision { Fp32, Bf16, Fp16, Nf4 }

/// <summary>Optimizer whose per-parameter state is counted.</summary>
public enum PlanOptimizer { Adamw, Adamw8bit, Sgd }

/// <summary>The settings of one training run to estimate.</summary>
public sealed record PlanRequest
{
    public required ModelShape Model { get; init; }
    public PlanObjective Objective { get; init; } = PlanObjective.Sft;
    public PlanMechanism Mechanism { get; init; } = PlanMechanism.Lora;
    public PlanPrecision Precision { get; init; } = PlanPrecision.Bf16;
    public PlanOptimizer Optimizer { get; init; } = PlanOptimizer.Adamw;
    /// <summary>Tokens per sequence.</summary>
    public int SeqLen { get; init; } = 512;
    /// <summary>Sequences per micro-batch (per device).</summary>
    public int BatchSize { get; init; } = 1;
    public bool GradientCheckpointing { get; init; }
    /// <summary>
    /// Attention runs a fused kernel (flash or memory-efficient scaled-dot-product attention) that recomputes the
    /// attention probabilities in backward instead of saving them, so the a·s term drops out.
    /// </summary>
    public bool FusedAttention { get; init; }
    /// <summary>LoRA rank; PEFT's default target modules for Llama (q_proj, v_proj) are assumed unless <see cref="LoraAllLinear"/>.</summary>
    public int LoraR { get; init; } = 8;
    /// <summary>Adapts every linear projection, as QLoRA (Dettmers et al., 2023) does, instead of q_proj and v_proj.</summary>
    public bool LoraAllLinear { get; init; }
    /// <summary>ReFT subspace rank, one intervention per layer (pyreft's layers = all, share_weights = true).</summary>
    public int ReftR { get; init; } = 4;
    /// <summary>Classes of a classification head.</summary>
    public int NumLabels { get; init; } = 2;
    /// <summary>Devices the states are sharded over (ZeRO-3 / FSDP full sharding); 1 means a single device.</summary>
    public int DeviceCount { get; init; } = 1;
    /// <summary>Fixed memory for the runtime (CUDA context, cuBLAS workspace, allocator slack), in bytes.</summary>
    public long OverheadBytes { get; init; } = 1L << 30;

    /// <summary>Objectives that train on pairs (chosen and rejected) run two sequences per example.</summary>
    public int SequencesPerExample => Objective is PlanObjective.Dpo or PlanObjective.Reward ? 2 : 1;

    /// <summary>True for mechanisms that freeze the whole base model.</summary>
    public bool FreezesBase => Mechanism is not PlanMechanism.Full;
}
