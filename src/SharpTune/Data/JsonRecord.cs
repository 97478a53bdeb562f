using System.Text.Json;

namespace SharpTune.Data;

/// <summary>One JSON object read from a data file, not yet checked against a dataset format.</summary>
/// <param name="Value">The object; a standalone element that needs no parent document.</param>
/// <param name="Source">Where the object starts in the file.</param>
public sealed record JsonRecord(JsonElement Value, RecordSource Source);
