using SharpTune.Generation;
using SharpTune.Models.Llama;
using SharpTune.Tokenization;

namespace SharpTune.Serving;

/// <summary>The outcome of one completion: text, OpenAI's finish reason ("stop" or "length") and token counts.</summary>
public sealed record CompletionResult(string Text, string FinishReason, int PromptTokens, int CompletionTokens);

/// <summary>
/// Runs completions for the server with the same encoding, decoding and stop ids as <c>sharptune generate</c>,
/// optionally reporting the text piece by piece as tokens are chosen.
/// </summary>
public sealed class CompletionEngine(HfTokenizer tokenizer)
{
    readonly Lock _tokenizerLock = new(); // The native tokenizer is not documented as thread-safe.

    /// <summary>
    /// Generates a completion of <paramref name="prompt"/>. <paramref name="onText"/> receives text pieces whose
    /// concatenation equals the returned text; a piece is held back while it ends in an incomplete UTF-8 sequence.
    /// </summary>
    public CompletionResult Complete(LlamaForCausalLM model, string prompt, GenerationOptions options, Action<string>? onText = null)
    {
        List<long> promptIds;
        string promptText;
        lock (_tokenizerLock)
        {
            promptIds = TextCompletion.EncodePrompt(tokenizer, prompt);
            promptText = tokenizer.Decode(promptIds);
        }
        if (promptIds.Count >= model.Config.MaxPositionEmbeddings)
            throw new SharpTuneInputException(
                $"prompt: {promptIds.Count} tokens leave no room in the {model.Config.MaxPositionEmbeddings}-token context; shorten the prompt");
        if (options.StopIds.Count == 0)
            options = options with { StopIds = tokenizer.StopIds };

        var generated = new List<long>();
        var sent = 0;
        void OnToken(long token)
        {
            generated.Add(token);
            if (onText is null)
                return;
            var text = CompletionText(promptIds, generated, promptText);
            if (text.Length > sent && !text.EndsWith('\uFFFD'))
            {
                onText(text[sent..]);
                sent = text.Length;
            }
        }

        TextGenerator.Generate(model, promptIds, options, OnToken);
        var final = CompletionText(promptIds, generated, promptText);
        if (onText is not null && final.Length > sent)
            onText(final[sent..]);

        int limit = Math.Min(options.MaxNewTokens, model.Config.MaxPositionEmbeddings - promptIds.Count);
        var finish = generated.Count >= limit ? "length" : "stop";
        return new CompletionResult(final, finish, promptIds.Count, generated.Count);
    }

    // The same rule as TextCompletion.Complete: decode(prompt + new) minus decode(prompt).
    string CompletionText(List<long> promptIds, List<long> generated, string promptText)
    {
        lock (_tokenizerLock)
        {
            var full = tokenizer.Decode(promptIds.Concat(generated));
            return full.StartsWith(promptText, StringComparison.Ordinal) ? full[promptText.Length..] : tokenizer.Decode(generated);
        }
    }
}
