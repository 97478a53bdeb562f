using System.Text.Json;

namespace SharpTune.Tests.Training;

/// <summary>Values of <c>metrics.jsonl</c> as the file spells them, so comparisons are byte for byte.</summary>
public static class MetricsFile
{
    /// <summary>Returns (step, raw JSON text of <paramref name="key"/>) for every record that has the key, in file order.</summary>
    public static List<(int Step, string Value)> RawValues(string path, string key)
    {
        var values = new List<(int, string)>();
        foreach (var line in File.ReadAllLines(path).Where(line => line.Length > 0))
        {
            using var record = JsonDocument.Parse(line);
            if (record.RootElement.TryGetProperty(key, out var value))
                values.Add((record.RootElement.GetProperty("step").GetInt32(), value.GetRawText()));
        }
        return values;
    }
}
