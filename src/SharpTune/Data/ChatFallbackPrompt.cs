using System.Text;

namespace SharpTune.Data;

/// <summary>
/// Plain-text rendering for chat records when the model has no chat template. Each message becomes
/// <c>"### System:\n…"</c>, <c>"### User:\n…"</c> or <c>"### Assistant:\n…"</c>, separated by a blank line.
/// Every assistant message's content is trainable; headers, separators and other roles are not.
/// </summary>
/// <remarks>
/// Messages after the last assistant message are left out because nothing after them is trained.
/// The example builder appends EOS after the last assistant message only, so it ends each example once.
/// </remarks>
public static class ChatFallbackPrompt
{
    /// <summary>Renders the conversation as alternating masked and trainable segments.</summary>
    public static IReadOnlyList<PromptSegment> Render(IReadOnlyList<ChatMessage> messages)
    {
        var last = -1;
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i].Role == ChatRoles.Assistant)
                last = i;
        }
        if (last < 0)
            throw new ArgumentException("a chat example needs at least one assistant message", nameof(messages));

        var segments = new List<PromptSegment>();
        var prompt = new StringBuilder();
        for (var i = 0; i <= last; i++)
        {
            if (i > 0)
                prompt.Append("\n\n");
            prompt.Append("### ").Append(Header(messages[i].Role)).Append(":\n");
            if (messages[i].Role != ChatRoles.Assistant)
            {
                prompt.Append(messages[i].Content);
                continue;
            }

            segments.Add(new PromptSegment(prompt.ToString(), Trainable: false));
            segments.Add(new PromptSegment(messages[i].Content, Trainable: true));
            prompt.Clear();
        }
        return segments;
    }

    /// <summary>Renders the prompt for generating the next assistant message after <paramref name="messages"/>.</summary>
    public static string RenderGenerationPrompt(IReadOnlyList<ChatMessage> messages)
    {
        var prompt = new StringBuilder();
        foreach (var message in messages)
            prompt.Append("### ").Append(Header(message.Role)).Append(":\n").Append(message.Content).Append("\n\n");
        return prompt.Append("### Assistant:\n").ToString();
    }

    static string Header(string role) => role switch
    {
        ChatRoles.System => "System",
        ChatRoles.User => "User",
        ChatRoles.Assistant => "Assistant",
        _ => throw new ArgumentException($"unknown chat role \"{role}\"", nameof(role)),
    };
}
