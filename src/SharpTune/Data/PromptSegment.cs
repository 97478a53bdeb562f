namespace SharpTune.Data;

/// <summary>A piece of rendered example text; the tokens of a trainable piece carry loss, the others are masked.</summary>
public sealed record PromptSegment(string Text, bool Trainable);
