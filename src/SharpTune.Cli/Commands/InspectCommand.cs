using System.CommandLine;
using System.Globalization;
using SharpTune.ChatTemplates;
using SharpTune.Data;
using SharpTune.Models;
using SharpTune.Tokenization;

namespace SharpTune.Cli.Commands;

/// <summary>
/// <c>sharptune inspect</c>: prints a model folder's family, size, dtype, context window, base or instruct, and licence,
/// and optionally the first example of a data file with its trained tokens marked.
/// </summary>
public static class InspectCommand
{
    // ANSI bold green for trained text on a terminal; brackets when the output is redirected.
    const string TrainedStart = "\u001b[1;32m";
    const string TrainedEnd = "\u001b[0m";

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Hugging Face model directory (config.json and safetensors).", Required = true };
        var data = new Option<string?>("--data") { Description = "JSONL data file whose first example is shown as training tokenizes it." };
        var command = new Command("inspect", "Show a model's family, size, dtype, context window and licence, and optionally how a data file's first example is trained.")
        {
            model, data,
        };
        command.SetAction(CommandRunner.Guard(parse =>
        {
            var modelDir = parse.GetRequiredValue(model);
            var summary = ModelSummary.Read(modelDir);
            PrintSummary(summary);
            if (parse.GetValue(data) is string dataPath)
                PrintExample(modelDir, dataPath, summary.ContextWindow);
            return CommandRunner.Success;
        }));
        return command;
    }

    static void PrintSummary(ModelSummary summary)
    {
        var output = Console.Out;
        output.WriteLine($"family:         {summary.Family} ({summary.Architecture})");
        output.WriteLine($"parameters:     {summary.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)}");
        output.WriteLine($"dtype:          {summary.ConfigDtype} (stored as {string.Join(", ", summary.StoredDtypes)})");
        var context = $"{summary.ContextWindow} tokens";
        if (summary.RopeScaling is string scaling)
            context += $", rope_scaling {scaling}";
        if (summary.SlidingWindow is int window)
            context += $", sliding window {window}";
        output.WriteLine($"context window: {context}");
        output.WriteLine($"kind:           {(summary.HasChatTemplate ? "instruct (chat template present)" : "base (no chat template)")}");
        output.WriteLine($"license:        {summary.License ?? "not stated (no LICENSE file or README front matter)"}");
    }

    static void PrintExample(string modelDir, string dataPath, int contextWindow)
    {
        using var tokenizer = HfTokenizer.Load(modelDir);
        var template = ModelChatTemplate.Load(modelDir);
        var spans = TrainedSpans.ForFirstRecord(dataPath, tokenizer, template, Math.Max(contextWindow, 2));
        bool colour = !Console.IsOutputRedirected;

        var output = Console.Out;
        output.WriteLine();
        output.WriteLine($"data:           {spans.Source} (format {spans.Format.ToString().ToLowerInvariant()})");
        output.WriteLine($"tokens:         {spans.TokenCount}, trained {spans.TrainedTokenCount}");
        output.WriteLine(colour ? "trained tokens are shown in green:" : "trained tokens are enclosed in double square brackets:");
        foreach (var span in spans.Spans)
        {
            if (!span.Trained)
                output.Write(span.Text);
            else if (colour)
                output.Write(TrainedStart + span.Text + TrainedEnd);
            else
                output.Write("[[" + span.Text + "]]");
        }
        output.WriteLine();
    }
}
