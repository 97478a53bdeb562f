using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpTune.Models.Llama;

/// <summary>SwiGLU feed-forward block (Shazeer, 2020): <c>down(silu(gate(x)) * up(x))</c>.</summary>
public sealed class LlamaMlp : ProjectionHost
{
    public Module<Tensor, Tensor> gate_proj;
    public Module<Tensor, Tensor> up_proj;
    public Module<Tensor, Tensor> down_proj;

    public LlamaMlp(ModelConfig config, ScalarType dtype) : base(nameof(LlamaMlp))
    {
        gate_proj = Linear(config.HiddenSize, config.IntermediateSize, hasBias: config.MlpBias, dtype: dtype);
        up_proj = Linear(config.HiddenSize, config.IntermediateSize, hasBias: config.MlpBias, dtype: dtype);
        down_proj = Linear(config.IntermediateSize, config.HiddenSize, hasBias: config.MlpBias, dtype: dtype);
        RegisterComponents();
    }

    public override IReadOnlyList<string> ProjectionNames => ["gate_proj", "up_proj", "down_proj"];

    public override Module<Tensor, Tensor> GetProjection(string name) => name switch
    {
        "gate_proj" => gate_proj,
        "up_proj" => up_proj,
        "down_proj" => down_proj,
        _ => throw new ArgumentException(name),
    };

    protected override void SetProjectionField(string name, Module<Tensor, Tensor> module)
    {
        switch (name)
        {
            case "gate_proj": gate_proj = module; break;
            case "up_proj": up_proj = module; break;
            case "down_proj": down_proj = module; break;
        }
    }

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var gated = functional.silu(gate_proj.forward(x)) * up_proj.forward(x);
        return down_proj.forward(gated).MoveToOuterDisposeScope();
    }
}
