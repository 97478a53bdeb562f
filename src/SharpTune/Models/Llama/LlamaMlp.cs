using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpTune.Models.Llama;

/// <summary>
/// Feed-forward block for every decoder family: gated <c>down(act(gate(x)) * up(x))</c> (SwiGLU, Shazeer 2020;
/// GeGLU for Gemma), with gate and up fused into one projection for Phi-3 (<c>gate_up_proj</c>, rows [gate, up]),
/// or plain <c>down(act(up(x)))</c> for GPT-2 (<c>c_fc</c>, <c>c_proj</c>). Children carry the family's names.
/// </summary>
public sealed class LlamaMlp : ProjectionHost
{
    readonly ModelConfig config;
    readonly Dictionary<string, Module<Tensor, Tensor>> projections = new();

    public LlamaMlp(ModelConfig config, ScalarType dtype) : base(nameof(LlamaMlp))
    {
        this.config = config;
        ActivationFunctions.Apply(config.HiddenActivation, zeros(1)).Dispose(); // rejects an unsupported activation at build time
        var names = config.Names;
        int hidden = config.HiddenSize, inner = config.IntermediateSize;
        if (names.FusedGateUp is string fused)
            projections[fused] = Linear(hidden, 2 * inner, hasBias: config.MlpBias, dtype: dtype);
        else
        {
            if (config.GatedMlp)
                projections[names.Gate!] = Linear(hidden, inner, hasBias: config.MlpBias, dtype: dtype);
            projections[names.Up!] = Linear(hidden, inner, hasBias: config.MlpBias, dtype: dtype);
        }
        projections[names.Down] = Linear(inner, hidden, hasBias: config.MlpBias, dtype: dtype);
        foreach (var (name, module) in projections)
            register_module(name, module);
    }

    public override IReadOnlyList<string> ProjectionNames => projections.Keys.ToList();

    public override Module<Tensor, Tensor> GetProjection(string name) =>
        projections.TryGetValue(name, out var module) ? module : throw new ArgumentException(name);

    protected override void SetProjectionField(string name, Module<Tensor, Tensor> module) => projections[name] = module;

    /// <summary>Maps <c>[batch, seq, hidden]</c> to <c>[batch, seq, hidden]</c>.</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var names = config.Names;
        Tensor inner;
        if (names.FusedGateUp is string fused)
        {
            var gateUp = projections[fused].forward(x);                                   // [b, s, 2·inner]
            var halves = gateUp.chunk(2, -1);
            inner = ActivationFunctions.Apply(config.HiddenActivation, halves[0]) * halves[1];
        }
        else if (config.GatedMlp)
            inner = ActivationFunctions.Apply(config.HiddenActivation, projections[names.Gate!].forward(x)) * projections[names.Up!].forward(x);
        else
            inner = ActivationFunctions.Apply(config.HiddenActivation, projections[names.Up!].forward(x));
        return projections[names.Down].forward(inner).MoveToOuterDisposeScope();
    }
}
