namespace SharpTune.Planning;

/// <summary>
/// Activation memory saved for the backward pass, following the per-layer accounting of Korthikanti et al. (2022),
/// "Reducing Activation Recomputation in Large Transformer Models" (34·h + 5·a·s bytes per token per layer for GPT
/// in 16-bit), redone for Llama's SwiGLU MLP, grouped-query attention, RMSNorm and zero dropout.
/// </summary>
public static class ActivationEstimator
{
    /// <summary>Elements saved per token in one layer: 4h + 2·q_width + 2·kv_width + mlp + heads·s.</summary>
    /// <remarks>
    /// Two norm inputs and the inputs of the attention and MLP blocks (4h); q and the attention output (2·q_width);
    /// k and v (2·kv_width); the attention probabilities (heads·s).
    /// The score matrix is saved unless a fused attention kernel recomputes it. The MLP saves gate, up, silu(gate)
    /// and their product (4i) for a gated decoder, or the GELU input and output (2i) for an encoder.
    /// </remarks>
    public static long ElementsPerTokenPerLayer(ModelShape model, int seqLen, bool fusedAttention = false)
    {
        long h = model.HiddenSize, i = model.IntermediateSize;
        long mlp = model.Architecture == ArchitectureKind.Decoder ? 4 * i : 2 * i;
        long probabilities = fusedAttention ? 0 : (long)model.NumAttentionHeads * seqLen;
        return 4 * h + 2 * model.QueryWidth + 2 * model.KeyValueWidth + mlp + probabilities;
    }

    /// <summary>Activation bytes on one device for the request's batch, sequence length and checkpointing setting.</summary>
    public static long Bytes(PlanRequest request)
    {
        var m = request.Model;
        int element = request.Precision == PlanPrecision.Fp32 ? 4 : 2; // NF4 bases compute in bf16
        long tokens = (long)request.SeqLen * request.BatchSize * request.SequencesPerExample;
        long perLayer = ElementsPerTokenPerLayer(m, request.SeqLen, request.FusedAttention);
        long layers = m.NumHiddenLayers;

        // Head tuning runs the frozen base without autograd: only one layer's working set is alive at a time.
        if (request.Mechanism == PlanMechanism.LinearProbe)
            return tokens * element * (perLayer + 2 * m.HiddenSize);

        // Saved tensors of every layer, plus one layer's worth of gradients being formed during backward.
        long saved = request.GradientCheckpointing
            ? layers * m.HiddenSize + 2 * perLayer // layer inputs only; one layer recomputed and its gradients
            : (layers + 1) * perLayer;
        long embeddingAndNorm = 2 * m.HiddenSize;
        return tokens * (element * (saved + embeddingAndNorm) + LogitBytesPerToken(request));
    }

    /// <summary>
    /// Language-model objectives peak in the loss's backward pass, which keeps four vocabulary-sized tensors per token:
    /// the logits, the saved fp32 log-softmax, its gradient and the logits' gradient. That is 4 + 4 + 4 + 4 B in fp32,
    /// and 2 + 4 + 4 + 2 B plus a 4 B fp32 copy of the logits in 16-bit, so 16 B per vocabulary entry either way.
    /// </summary>
    static long LogitBytesPerToken(PlanRequest request)
    {
        if (request.Objective is PlanObjective.Reward or PlanObjective.Classify)
            return 0;
        return request.Model.VocabSize * 16L;
    }

    /// <summary>The formula behind <see cref="Bytes"/>, with this model's numbers, for the printed breakdown.</summary>
    public static string Formula(PlanRequest request)
    {
        var m = request.Model;
        int element = request.Precision == PlanPrecision.Fp32 ? 4 : 2;
        long perLayer = ElementsPerTokenPerLayer(m, request.SeqLen, request.FusedAttention);
        string tokens = $"tokens = s·b{(request.SequencesPerExample == 2 ? "·2 (chosen and rejected)" : "")}";
        if (request.Mechanism == PlanMechanism.LinearProbe)
            return $"{tokens} × {element} B × (one layer {perLayer} + 2h), forward only";
        string layers = request.GradientCheckpointing
            ? $"(L·h + 2 × {perLayer})"
            : $"(L+1) × {perLayer}";
        string attention = request.FusedAttention ? " (fused attention: no a·s)" : " + a·s";
        return $"{tokens} × {element} B × [{layers} + 2h] + logits; per layer 4h + 2·q + 2·kv + MLP{attention} elements";
    }
}
