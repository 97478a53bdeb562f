namespace SharpTune.Planning;

/// <summary>
/// Activation memory saved for the backward pass, following the per-layer accounting of Korthikanti et al. (2022),
/// "Reducing Activation Recomputation in Large Transformer Models" (34·h + 5·a·s bytes per token per layer for GPT
/// in 16-bit), redone for Llama's SwiGLU MLP, grouped-query attention, RMSNorm, zero dropout, and for what autograd
/// saves when the base is frozen. docs/planner.md lists every term.
/// </summary>
/// <remarks>
/// Autograd saves an operand only when the other operand's gradient needs it (PyTorch's derivatives.yaml and the
/// <c>should_compute_output</c> checks its code generator emits). So a frozen linear layer keeps its weight but not
/// its input, and a frozen norm weight does not keep the normalized tensor it multiplies.
/// </remarks>
public static class ActivationEstimator
{
    /// <summary>Bytes saved per token in one layer, for the request's mechanism and precision.</summary>
    public static long BytesPerTokenPerLayer(PlanRequest request)
    {
        var m = request.Model;
        int element = ElementBytes(request);
        long h = m.HiddenSize, i = m.IntermediateSize, q = m.QueryWidth;
        bool decoder = m.Architecture == ArchitectureKind.Decoder;
        bool trainsBase = !request.FreezesBase;

        // Each norm takes its statistic in fp32, as transformers' LlamaRMSNorm does, and saves its fp32 input (4 B).
        // A trained weight also keeps the normalized tensor it multiplies, in the compute dtype. The norm's output is
        // counted below, as the input of the projections that save it.
        long norms = 2 * h * (trainsBase ? 4 + element : 4);
        // Scaled-dot-product attention saves q, k and v (k and v repeated to every query head) and its output, which
        // is also o_proj's input. The math path also saves the probabilities, which a fused kernel recomputes.
        long attention = 4 * q + (request.FusedAttention ? 0 : (long)m.NumAttentionHeads * request.SeqLen);
        // The gated MLP saves gate (silu's input), silu(gate) and up (the product's operands); a trained down_proj
        // also keeps their product. The GELU MLP saves the GELU input and, when trained, its output.
        long mlp = decoder ? 3 * i : i;
        if (trainsBase)
            mlp += i;
        // Trained projections keep their inputs: the two norm outputs (q/k/v and gate/up share one each).
        long inputs = trainsBase ? 2 * h : 0;
        return norms + element * (attention + mlp + inputs + AdapterElements(request));
    }

    /// <summary>
    /// Elements per token that an adapter saves besides the base. LoRA keeps the input of each adapted projection
    /// that nothing else saves (A's weight gradient needs it) and A's output (B's weight gradient needs it). DoRA
    /// also keeps the base output and the update that its magnitude scales. ReFT keeps the layer output its linear
    /// maps read and the low-rank edit, because it computes the edit at every token and then selects the positions.
    /// </summary>
    static long AdapterElements(PlanRequest request)
    {
        var m = request.Model;
        long h = m.HiddenSize, i = m.IntermediateSize, r = request.LoraR;
        switch (request.Mechanism)
        {
            case PlanMechanism.Lora or PlanMechanism.Qlora or PlanMechanism.Dora:
                // q saves the first norm output for its A; v reads the same tensor.
                var targets = new List<(long Input, long Out)> { (h, m.QueryWidth), (0, m.KeyValueWidth) };
                if (request.LoraAllLinear)
                {
                    targets.Add((0, m.KeyValueWidth));
                    targets.Add((0, h));                                  // o_proj reads the saved attention output
                    targets.Add((h, i));                                  // up (and gate) read the second norm output
                    targets.Add((i, h));                                  // down reads gate·up
                    if (m.Architecture == ArchitectureKind.Decoder)
                        targets.Add((0, i));
                }
                bool dora = request.Mechanism == PlanMechanism.Dora;
                return targets.Sum(t => t.Input + r + (dora ? 2 * t.Out : 0));
            case PlanMechanism.Loreft or PlanMechanism.Direft:
                return h + request.ReftR;
            default:
                return 0;
        }
    }

    /// <summary>Activation bytes on one device for the request's batch, sequence length and checkpointing setting.</summary>
    public static long Bytes(PlanRequest request)
    {
        var m = request.Model;
        int element = ElementBytes(request);
        long tokens = (long)request.SeqLen * request.BatchSize * request.SequencesPerExample;
        long h = m.HiddenSize;
        long layers = m.NumHiddenLayers;

        // Head tuning runs the frozen base without autograd: one block's working set at a time.
        if (request.Mechanism == PlanMechanism.LinearProbe)
            return tokens * element * ForwardWorkingSet(m);

        long perLayer = BytesPerTokenPerLayer(request);
        // With a frozen base and embeddings, the first layer's input needs no gradient, so its norm keeps nothing;
        // ReFT has no trained weight inside the first layer at all (its first edit follows that layer).
        long firstLayerSaving = 0;
        if (request.Mechanism is PlanMechanism.Loreft or PlanMechanism.Direft)
            firstLayerSaving = perLayer - element * AdapterElements(request);
        else if (request.FreezesBase)
            firstLayerSaving = 4 * h;
        // The final norm feeds the trained LM head in full fine-tuning; with a frozen base it keeps its input only.
        long finalNorm = !request.FreezesBase ? 4 * h + 2 * element * h : 4 * h;
        long saved = request.GradientCheckpointing
            ? layers * h * element + perLayer // layer inputs; one layer recomputed
            : layers * perLayer - firstLayerSaving;
        // The peak is at the loss's backward pass, or in one layer's backward while its gradients are formed.
        return tokens * (saved + finalNorm + Math.Max(LogitBytesPerToken(request), perLayer));
    }

    /// <summary>
    /// Language-model objectives peak in the loss's backward pass: the saved fp32 log-softmax, the loss's gradient
    /// and the log-softmax's gradient, 4 B each per vocabulary entry in any precision. The logits and their fp32
    /// copy are freed when the objective returns, since no backward formula needs them (CausalLmLoss).
    /// </summary>
    static long LogitBytesPerToken(PlanRequest request)
    {
        if (request.Objective is PlanObjective.Reward or PlanObjective.Classify)
            return 0;
        return request.Model.VocabSize * 12L;
    }

    /// <summary>
    /// Elements per token alive in the larger block of a forward pass without autograd. Each module frees its
    /// intermediates when it returns (its dispose scope ends). So the MLP step keeps the layer input, o_proj's
    /// output, the residual, the norm output, gate, silu(gate), up, their product, down's output and the layer
    /// output alive (6h + 4i). Attention keeps the input, the norm output and o_proj's output, q, k and v, the
    /// rotated q and k, k and v repeated to every query head, and the attention output (3h + 5q + 3kv).
    /// </summary>
    public static long ForwardWorkingSet(ModelShape m)
    {
        long h = m.HiddenSize, i = m.IntermediateSize, q = m.QueryWidth, kv = m.KeyValueWidth;
        long mlp = 6 * h + (m.Architecture == ArchitectureKind.Decoder ? 4 * i : 2 * i);
        long attention = 3 * h + 5 * q + 3 * kv;
        return Math.Max(mlp, attention);
    }

    /// <summary>Bytes per activation value: 4 in fp32, 2 otherwise (NF4 bases compute in bf16).</summary>
    static int ElementBytes(PlanRequest request) => request.Precision == PlanPrecision.Fp32 ? 4 : 2;

    /// <summary>The formula behind <see cref="Bytes"/>, with this model's numbers, for the printed breakdown.</summary>
    public static string Formula(PlanRequest request)
    {
        int element = ElementBytes(request);
        string tokens = $"tokens = s·b{(request.SequencesPerExample == 2 ? "·2 (chosen and rejected)" : "")}";
        if (request.Mechanism == PlanMechanism.LinearProbe)
            return $"{tokens} × {element} B × {ForwardWorkingSet(request.Model)} (one block's working set), forward only";
        long perLayer = BytesPerTokenPerLayer(request);
        string layers = request.GradientCheckpointing ? $"L·h·{element} B + {perLayer} B" : $"L × {perLayer} B";
        string attention = request.FusedAttention ? " (fused attention: no a·s)" : " + a·s";
        return $"{tokens} × [{layers} + final norm + max(loss, one layer)]; per layer: norms, 4q{attention}, MLP, " +
               (request.FreezesBase ? "frozen base keeps no projection inputs" : "trained projections' inputs");
    }
}
