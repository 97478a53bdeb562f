namespace SharpTune.Mechanisms.Lora;

/// <summary>
/// LoRA settings with PEFT's meanings (Hu et al., 2021): a frozen weight W gets a trainable update
/// <c>(alpha / r) · B A</c> with A <c>[r, in]</c> and B <c>[out, r]</c>.
/// </summary>
public sealed record LoraOptions
{
    /// <summary>Rank of the update.</summary>
    public int R { get; init; } = 8;
    /// <summary>Scale numerator; the update is multiplied by alpha / r.</summary>
    public double Alpha { get; init; } = 16;
    /// <summary>Dropout on the adapter's input during training.</summary>
    public double Dropout { get; init; }
    /// <summary>Child names of the linear layers to adapt, e.g. q_proj, v_proj (PEFT's default for Llama).</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = ["q_proj", "v_proj"];

    /// <summary>Rank-stabilised LoRA (Kalajdzievski, 2023): scale by alpha / sqrt(r) instead of alpha / r.</summary>
    public bool UseRsLora { get; init; }

    /// <summary>Weight-decomposed LoRA (Liu et al., 2024): a trainable magnitude per output row times the adapted direction.</summary>
    public bool UseDora { get; init; }

    public double Scaling => UseRsLora ? Alpha / Math.Sqrt(R) : Alpha / R;
}
