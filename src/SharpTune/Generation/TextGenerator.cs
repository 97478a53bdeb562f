using SharpTune.Models.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Generation;

/// <summary>Autoregressive decoding with a KV cache: one forward over the prompt, then one token per step.</summary>
public static class TextGenerator
{
    /// <summary>
    /// Returns the generated ids after <paramref name="promptIds"/>, without the stop token. <paramref name="onToken"/>
    /// receives each id as soon as it is chosen, for streaming.
    /// </summary>
    public static IReadOnlyList<long> Generate(LlamaForCausalLM model, IReadOnlyList<long> promptIds, GenerationOptions options,
        Action<long>? onToken = null)
    {
        if (promptIds.Count == 0)
            throw new ArgumentException("The prompt must contain at least one token.", nameof(promptIds));
        if (promptIds.Count >= model.Config.MaxPositionEmbeddings)
            throw new SharpTuneInputException(
                $"prompt: {promptIds.Count} tokens leave no room in the model's context window of {model.Config.MaxPositionEmbeddings}; shorten the prompt");

        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            using var cache = new KvCache(model.Config.NumHiddenLayers);
            using var generator = options.Temperature > 0 ? new Generator((ulong)options.Seed, model.Device) : null;
            var output = new List<long>();
            int limit = Math.Min(options.MaxNewTokens, model.Config.MaxPositionEmbeddings - promptIds.Count);

            var next = promptIds.ToArray();
            for (int step = 0; step < limit; step++)
            {
                using var scope = NewDisposeScope();
                var input = tensor(next, dtype: ScalarType.Int64, device: model.Device).unsqueeze(0); // [1, s]
                // A hidden-state hook (ReFT) gets prompt positions during prefill, then the index of the generated token fed back (step - 1).
                var positions = model.model.HiddenStateHook is null ? null
                    : step == 0 ? PromptPositions.ForPrompt(next.Length, model.Device)
                    : PromptPositions.ForGenerated(step - 1, model.Device);
                var logits = model.Forward(input, cache: cache, promptPositions: positions);           // [1, s, vocab]
                long token = Sampler.Next(logits[0, -1], options, generator);
                if (options.StopIds.Contains(token))
                    break;
                output.Add(token);
                onToken?.Invoke(token);
                next = [token];
            }
            return output;
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
