namespace SharpTune.Data;

/// <summary>
/// One preference: a prompt and two responses to it, the <see cref="Chosen"/> one preferred over the
/// <see cref="Rejected"/> one. <see cref="Reasoning"/> is the annotator's optional note and is not trained on.
/// </summary>
public sealed record PreferencePair(string Prompt, string Chosen, string Rejected, string? Reasoning, RecordSource Source);
