using SharpTune.ChatTemplates;
using SharpTune.Data;
using SharpTune.Models.Llama;
using SharpTune.Tokenization;

namespace SharpTune.Generation;

/// <summary>Generates the next assistant message of a conversation, in the prompt format the model was trained with.</summary>
public static class ChatCompletion
{
    /// <summary>
    /// Builds the prompt ids for the reply after <paramref name="messages"/>: the chat template with
    /// add_generation_prompt when the model has one, encoded without adding BOS because the template places its
    /// own special tokens; otherwise <see cref="ChatFallbackPrompt"/> with BOS as SFT training adds it.
    /// </summary>
    /// <exception cref="ChatTemplateException">The template rejected the conversation.</exception>
    public static List<long> EncodePrompt(HfTokenizer tokenizer, ModelChatTemplate? template, IReadOnlyList<ChatMessage> messages)
    {
        if (template is null)
            return TextCompletion.EncodePrompt(tokenizer, ChatFallbackPrompt.RenderGenerationPrompt(messages));
        return tokenizer.Encode(template.Render(messages, addGenerationPrompt: true)).ToList();
    }

    /// <summary>Returns the reply text (special tokens skipped, surrounding whitespace trimmed) and its ids.</summary>
    public static (string Text, IReadOnlyList<long> Ids) Reply(
        LlamaForCausalLM model, HfTokenizer tokenizer, ModelChatTemplate? template, IReadOnlyList<ChatMessage> messages, GenerationOptions options)
    {
        var promptIds = EncodePrompt(tokenizer, template, messages);
        if (options.StopIds.Count == 0)
            options = options with { StopIds = tokenizer.StopIds };
        var generated = TextGenerator.Generate(model, promptIds, options);
        return (tokenizer.Decode(generated).Trim(), generated);
    }
}
