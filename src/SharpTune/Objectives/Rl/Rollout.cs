using SharpTune.Generation;
using SharpTune.Models.Llama;
using SharpTune.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Objectives.Rl;

/// <summary>Samples responses from the policy: <c>num_generations</c> per prompt, the responses to one prompt next to each other.</summary>
/// <remarks>
/// All responses of a batch decode together: each step runs the whole left-padded batch without a KV cache, because
/// the segment mask that hides left padding works only without one. For the short responses of RLHF on a small
/// model, one batched pass per token costs less than one cached pass per token and response.
/// NOTE: each pass recomputes the whole sequence, so long responses on a large model would want a batched KV cache
/// that supports left padding.
/// </remarks>
public static class Rollout
{
    /// <param name="policy">The model that samples.</param>
    /// <param name="tokenizer">Decodes the responses and gives the stop and pad ids.</param>
    /// <param name="prompts">Prompt texts, passed on to the reward function.</param>
    /// <param name="promptIds">Encoded prompts, already cut to fit the context window with the responses.</param>
    /// <param name="generations">Responses per prompt.</param>
    /// <param name="options">Sampling settings; empty stop ids mean the tokenizer's.</param>
    /// <param name="seed">Seeds the sampling generator, so a run repeats from its seed.</param>
    public static RolloutBatch Sample(LlamaForCausalLM policy, HfTokenizer tokenizer, IReadOnlyList<string> prompts,
        IReadOnlyList<IReadOnlyList<long>> promptIds, int generations, GenerationOptions options, long seed)
    {
        var stopIds = options.StopIds.Count > 0 ? options.StopIds : tokenizer.StopIds;
        long padId = tokenizer.PadId ?? tokenizer.EosId ?? 0;
        var rowPrompts = promptIds.SelectMany(ids => Enumerable.Repeat(ids, generations)).ToList();
        var rowTexts = prompts.SelectMany(text => Enumerable.Repeat(text, generations)).ToList();
        var generated = rowPrompts.Select(_ => new List<long>()).ToList();
        var finished = new bool[rowPrompts.Count];
        int budget = Math.Min(options.MaxNewTokens, policy.Config.MaxPositionEmbeddings - rowPrompts.Max(p => p.Count));

        bool wasTraining = policy.training;
        policy.eval();
        try
        {
            using var noGrad = no_grad();
            using var generator = new Generator((ulong)seed, policy.Device);
            for (int step = 0; step < budget && finished.Contains(false); step++)
            {
                using var scope = NewDisposeScope();
                using var batch = RolloutBatch.Create(rowPrompts, generated, rowTexts, rowTexts, padId);
                var device = policy.Device;
                // ReFT edits the query tokens in every pass; the pass has no KV cache, so the prompt is re-edited each step.
                using var positions = policy.model.HiddenStateHook is null ? null : batch.PromptPositions(device);
                var logits = policy.Forward(batch.InputIds.to(device), batch.PositionIds.to(device), batch.SegmentIds.to(device),
                    promptPositions: positions); // [n, s, vocab]
                var lengths = generated.Select(g => g.Count).ToArray();
                for (int row = 0; row < rowPrompts.Count; row++)
                {
                    if (finished[row])
                        continue;
                    // The row's last real token sits at column P - 1 + (tokens generated so far).
                    long token = Sampler.Next(logits[row, batch.PromptWidth - 1 + lengths[row]], options, generator);
                    generated[row].Add(token);
                    finished[row] = stopIds.Contains(token);
                }
            }
        }
        finally
        {
            policy.train(wasTraining);
        }

        // A stop token stays in the response, because the policy chose to stop there and that choice is trained too.
        var texts = generated.Select((ids, row) =>
            TextCompletion.Decode(tokenizer, rowPrompts[row], ids.Where(id => !stopIds.Contains(id)).ToList())).ToList();
        return RolloutBatch.Create(rowPrompts, generated, rowTexts, texts, padId);
    }
}
