using SharpTune.Models.Llama;
using static TorchSharp.torch;

namespace SharpTune.Objectives.Rl;

/// <summary>What one forward pass over a rollout gives at the response tokens; every tensor is float32 <c>[n, T]</c>.</summary>
public sealed record ResponseScores(Tensor LogProbs, Tensor Entropy, Tensor? Values) : IDisposable
{
    public void Dispose()
    {
        LogProbs.Dispose();
        Entropy.Dispose();
        Values?.Dispose();
    }
}

/// <summary>
/// Runs a model over a <see cref="RolloutBatch"/> and reads, at each response token, its log-probability, the
/// entropy of the next-token distribution and, with a value head, the value of the state before it.
/// </summary>
/// <remarks>
/// Logits are divided by the sampling temperature first, as TRL does, so the log-probabilities are those of the
/// distribution the tokens were sampled from (before top-k and top-p).
/// </remarks>
public static class RolloutForward
{
    public static ResponseScores Run(LlamaForCausalLM model, RolloutBatch batch, double temperature, ValueHead? valueHead = null)
    {
        using var scope = NewDisposeScope();
        var device = model.Device;
        var positions = model.model.HiddenStateHook is null ? null : batch.PromptPositions(device);
        var hidden = model.model.Forward(batch.InputIds.to(device), batch.PositionIds.to(device), batch.SegmentIds.to(device), null,
            positions); // [n, P+T, h]
        long width = batch.ResponseIds.shape[1];
        // The state at column P-1+t predicts response token t.
        var states = hidden.narrow(1, batch.PromptWidth - 1, width);                                        // [n, T, h]
        var logits = model.ProjectToVocabulary(states).to(ScalarType.Float32) / temperature;                // [n, T, vocab]
        var logSoftmax = logits.log_softmax(-1);
        var tokens = batch.ResponseIds.to(device).unsqueeze(-1);                                          // [n, T, 1]
        var logProbs = logSoftmax.gather(-1, tokens).squeeze(-1);                                          // [n, T]
        var entropy = -(logSoftmax.exp() * logSoftmax).sum(-1);                                             // [n, T]
        var values = valueHead?.Forward(states);                                                           // [n, T]
        return new ResponseScores(logProbs.MoveToOuterDisposeScope(), entropy.MoveToOuterDisposeScope(), values?.MoveToOuterDisposeScope());
    }
}
