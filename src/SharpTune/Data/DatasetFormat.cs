namespace SharpTune.Data;

/// <summary>Record layout of a training data file.</summary>
public enum DatasetFormat
{
    /// <summary>Detect the format from the first record's fields.</summary>
    Auto,

    /// <summary>Plain documents for continued pre-training: field <c>text</c>.</summary>
    Text,

    /// <summary>Instruction tuning: instruction, optional input, output (with common aliases for the field names).</summary>
    Alpaca,

    /// <summary>Conversations: <c>messages</c>, a list of <c>{role, content}</c> with roles system, user and assistant.</summary>
    Chat,
}
