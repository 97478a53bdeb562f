using SharpTune.ChatTemplates;

namespace SharpTune.Data;

/// <summary>
/// Splits a conversation rendered with the model's chat template into masked and trainable segments. Turn
/// boundaries come from rendering prefixes of the conversation and comparing the texts, never from searching for
/// a marker in token ids, because markers tokenize differently in context.
/// </summary>
/// <remarks>
/// For assistant message i, the text of messages[0..i) with the generation prompt ends where the reply starts,
/// and the text of messages[0..i] without it ends where the turn ends. The reply is trainable up to and including
/// the last EOS text in it (the template's end-of-turn token); what follows, such as ChatML's newline after
/// <c>&lt;|im_end|&gt;</c>, is masked. When the turn contains no EOS text, trailing whitespace is masked instead.
/// Messages after the last assistant message are left out because nothing after them is trained.
/// NOTE: the builder tokenizes each segment on its own, so a BPE merge across a turn boundary is not formed,
/// while transformers tokenizes the whole text; this matters only for tokenizers that merge across special tokens
/// or newlines.
/// </remarks>
public static class ChatTemplatePrompt
{
    /// <summary>Renders the conversation as segments; with <paramref name="maskHistory"/> only the last assistant turn is trainable.</summary>
    /// <exception cref="ChatTemplateException">The template rejected the conversation, or a prefix of it renders
    /// differently from the start of the whole conversation.</exception>
    public static IReadOnlyList<PromptSegment> Render(ModelChatTemplate template, IReadOnlyList<ChatMessage> messages, bool maskHistory = false)
    {
        var last = -1;
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i].Role == ChatRoles.Assistant)
                last = i;
        }
        if (last < 0)
            throw new ArgumentException("a chat example needs at least one assistant message", nameof(messages));

        var full = template.Render(messages.Take(last + 1), addGenerationPrompt: false);
        var segments = new List<PromptSegment>();
        var position = 0;
        for (var i = 0; i <= last; i++)
        {
            if (messages[i].Role != ChatRoles.Assistant || (maskHistory && i != last))
                continue;

            var start = PrefixLength(template, full, messages.Take(i), addGenerationPrompt: true);
            var end = PrefixLength(template, full, messages.Take(i + 1), addGenerationPrompt: false);
            if (start < position || end < start)
                throw new ChatTemplateException($"the chat template renders assistant message {i} out of order, so its tokens cannot be found");

            var reply = full[start..end];
            var trainedLength = TrainedLength(reply, template.EosToken);
            AddSegment(segments, full[position..start], trainable: false);
            AddSegment(segments, reply[..trainedLength], trainable: true);
            AddSegment(segments, reply[trainedLength..], trainable: false);
            position = end;
        }
        AddSegment(segments, full[position..], trainable: false);
        return segments;
    }

    static int PrefixLength(ModelChatTemplate template, string full, IEnumerable<ChatMessage> prefix, bool addGenerationPrompt)
    {
        var text = template.Render(prefix, addGenerationPrompt);
        if (!full.StartsWith(text, StringComparison.Ordinal))
        {
            throw new ChatTemplateException(
                "the chat template renders a conversation prefix differently from the start of the whole conversation " +
                "(for example it drops reasoning from earlier turns), so turn boundaries cannot be found; " +
                "use mask_history or conversations with one assistant turn");
        }
        return text.Length;
    }

    static int TrainedLength(string reply, string? eosToken)
    {
        if (!string.IsNullOrEmpty(eosToken))
        {
            var eos = reply.LastIndexOf(eosToken, StringComparison.Ordinal);
            if (eos >= 0)
                return eos + eosToken.Length;
        }
        return reply.TrimEnd().Length;
    }

    static void AddSegment(List<PromptSegment> segments, string text, bool trainable)
    {
        if (text.Length > 0)
            segments.Add(new PromptSegment(text, trainable));
    }
}
