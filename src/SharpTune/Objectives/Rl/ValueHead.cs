using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Objectives.Rl;

/// <summary>
/// PPO's critic: a scalar linear head on the policy's final hidden state at every position, trained together
/// with the policy (TRL's ValueHead on a shared backbone). Weight <c>[1, hidden]</c> and bias start at zero, so
/// every first value estimate is 0.
/// </summary>
public sealed class ValueHead : IDisposable
{
    public Linear Linear { get; }

    public ValueHead(long hiddenSize, ScalarType dtype, Device device)
    {
        Linear = nn.Linear(hiddenSize, 1, hasBias: true, dtype: dtype, device: device);
        using (no_grad())
        {
            Linear.weight!.zero_();
            Linear.bias!.zero_();
        }
    }

    /// <summary>Checkpoint names and parameters, for the optimizer and <c>value_head.safetensors</c>.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> Parameters => [("value_head.weight", Linear.weight!), ("value_head.bias", Linear.bias!)];

    /// <summary>Returns float32 values <c>[b, s]</c> for hidden states <c>[b, s, hidden]</c>.</summary>
    public Tensor Forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return Linear.forward(hidden).squeeze(-1).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    public void Dispose() => Linear.Dispose();
}
