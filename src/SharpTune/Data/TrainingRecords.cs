namespace SharpTune.Data;

/// <summary>A record checked against its dataset format, with the place it came from.</summary>
public abstract record TrainingRecord(RecordSource Source);

/// <summary>A document for continued pre-training.</summary>
public sealed record TextRecord(string Text, RecordSource Source) : TrainingRecord(Source);

/// <summary>An instruction-tuning example; <paramref name="Input"/> is empty when the record has none.</summary>
public sealed record AlpacaRecord(string Instruction, string Input, string Output, RecordSource Source)
    : TrainingRecord(Source);

/// <summary>A conversation with at least one assistant message.</summary>
public sealed record ChatRecord(IReadOnlyList<ChatMessage> Messages, RecordSource Source) : TrainingRecord(Source);

/// <summary>One chat turn; <paramref name="Role"/> is one of <see cref="ChatRoles"/>.</summary>
public sealed record ChatMessage(string Role, string Content);

/// <summary>The chat roles a record may use.</summary>
public static class ChatRoles
{
    public const string System = "system";
    public const string User = "user";
    public const string Assistant = "assistant";

    public static IReadOnlyList<string> All { get; } = [System, User, Assistant];
}
