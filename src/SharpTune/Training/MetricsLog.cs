using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpTune.Training;

/// <summary>
/// Appends one JSON object per line to <c>metrics.jsonl</c>: training steps carry
/// <c>step, epoch, loss, learning_rate, grad_norm, tokens_per_second</c>; evaluations carry <c>step, eval_loss</c>.
/// </summary>
public sealed class MetricsLog
{
    readonly string path;

    public MetricsLog(string path) => this.path = path;

    public void Append(JsonObject record)
    {
        File.AppendAllText(path, record.ToJsonString() + "\n");
    }

    /// <summary>Drops records logged after <paramref name="step"/>, so a resumed run does not repeat them.</summary>
    public void TruncateAfter(int step)
    {
        if (!File.Exists(path))
            return;
        var kept = File.ReadAllLines(path)
            .Where(line => line.Length > 0 && (JsonNode.Parse(line)?["step"]?.GetValue<int>() ?? 0) <= step)
            .ToList();
        var temp = path + ".tmp";
        File.WriteAllLines(temp, kept);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads every record of a metrics file.</summary>
    public static IReadOnlyList<JsonObject> Read(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();

    /// <summary>Returns the first logged eval loss (the step-0 baseline when the run had eval data), or null.</summary>
    public static double? FirstEvalLoss(string metricsPath) =>
        File.Exists(metricsPath)
            ? Read(metricsPath).FirstOrDefault(r => r.ContainsKey("eval_loss"))?["eval_loss"]?.GetValue<double>()
            : null;

    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
