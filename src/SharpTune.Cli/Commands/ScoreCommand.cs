using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using SharpTune.Data;
using SharpTune.Models.Safetensors;
using SharpTune.Objectives;
using SharpTune.Runtime;
using SharpTune.Training;

namespace SharpTune.Cli.Commands;

/// <summary>
/// <c>sharptune score</c>: scores data with a reward model that <c>objective: reward</c> trained. Preference pairs
/// and rankings print one JSON object with the pairwise accuracy, its 95% Wilson interval and the mean margin;
/// single responses get one score each, as JSON Lines on stdout or in <c>--output</c>.
/// </summary>
public static class ScoreCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var rewardModel = new Option<string>("--reward-model")
        {
            Description = "Output folder of a run with objective: reward, or its adapter/ or model/ folder (with value_head.safetensors).",
            Required = true,
        };
        var data = new Option<string>("--data")
        {
            Description = "JSONL or JSON file of pairs {prompt, chosen, rejected}, rankings {prompt, rankings}, or rows {prompt, response} or {text}.",
            Required = true,
        };
        var output = new Option<string?>("--output") { Description = "JSONL file for the score of every pair or row; written whole or not at all." };
        var batchSize = new Option<int>("--batch-size") { Description = "Rows per forward pass.", DefaultValueFactory = _ => 8 };
        var maxLength = new Option<int>("--max-length")
        {
            Description = "Tokens per row; longer rows keep the end of the prompt and the start of the response. Use the run's data.max_length to match its eval.",
            DefaultValueFactory = _ => 512,
        };
        var padding = new Option<string>("--padding") { Description = "Pad batches on the right or the left; scores are the same.", DefaultValueFactory = _ => "right" };
        padding.AcceptOnlyFromAmong("right", "left");
        var device = CommonOptions.Device();

        var command = new Command("score", "Score responses or preference pairs with a trained reward model.")
        {
            model, rewardModel, data, output, batchSize, maxLength, padding, device,
        };
        command.SetAction(CommandRunner.Guard(parse =>
        {
            if (parse.GetValue(maxLength) < 2 || parse.GetValue(batchSize) < 1)
                throw new SharpTuneInputException("--max-length must be at least 2 and --batch-size at least 1");
            var dataPath = parse.GetRequiredValue(data);
            var outputPath = parse.GetValue(output);
            if (outputPath is not null && Path.GetFullPath(outputPath) == Path.GetFullPath(dataPath))
                throw SharpTuneInputException.At(outputPath, null, "--output", "is the --data file; write the scores to another file");

            // Read the data before loading the model, so a bad line fails fast.
            var records = ScoreRecords.Load(dataPath);
            using var scorer = RewardModel.Load(parse.GetRequiredValue(model), parse.GetRequiredValue(rewardModel),
                DeviceSelector.Resolve(parse.GetValue(device)!), parse.GetValue(maxLength));
            scorer.BatchSize = parse.GetValue(batchSize);
            scorer.Padding = Enum.Parse<PaddingSide>(parse.GetValue(padding)!, ignoreCase: true);
            var (lines, summary) = records.IsPairs ? ScorePairs(scorer, records.Pairs) : ScoreRows(scorer, records.Rows);
            summary["truncated"] = scorer.TruncatedCount;

            if (outputPath is not null)
            {
                AtomicFile.Write(outputPath, stream =>
                {
                    using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
                    foreach (var line in lines)
                        writer.WriteLine(line.ToJsonString());
                });
                summary["output"] = outputPath;
            }
            else if (!records.IsPairs)
            {
                foreach (var line in lines)
                    Console.Out.WriteLine(line.ToJsonString());
                return CommandRunner.Success;
            }
            Console.Out.WriteLine(summary.ToJsonString());
            return CommandRunner.Success;
        }));
        return command;
    }

    static (List<JsonObject> Lines, JsonObject Summary) ScorePairs(RewardModel scorer, IReadOnlyList<PreferencePair> pairs)
    {
        // Rows 2i and 2i+1 are the chosen and rejected response of pair i.
        var rows = pairs.Select(scorer.PairRows).SelectMany(p => new[] { p.Chosen, p.Rejected }).ToList();
        var scores = scorer.Score(rows);
        var chosen = Enumerable.Range(0, pairs.Count).Select(i => scores[2 * i]).ToArray();
        var rejected = Enumerable.Range(0, pairs.Count).Select(i => scores[2 * i + 1]).ToArray();
        var lines = pairs.Select((pair, i) =>
        {
            var line = Located(pair.Source);
            line["chosen_score"] = chosen[i];
            line["rejected_score"] = rejected[i];
            line["margin"] = chosen[i] - rejected[i];
            return line;
        }).ToList();

        var metrics = PreferenceMetrics.FromRewards(chosen, rejected);
        var (low, high) = metrics.AccuracyInterval();
        var summary = new JsonObject
        {
            ["pairs"] = metrics.Pairs,
            ["accuracy"] = metrics.Accuracy,
            ["accuracy_wilson95"] = new JsonArray(low, high),
            ["margin"] = metrics.Margin,
            ["chosen_score"] = metrics.ChosenReward,
            ["rejected_score"] = metrics.RejectedReward,
        };
        return (lines, summary);
    }

    static (List<JsonObject> Lines, JsonObject Summary) ScoreRows(RewardModel scorer, IReadOnlyList<ScoreRow> rows)
    {
        var scores = scorer.Score(rows.Select(r => scorer.Row(r.Prompt, r.Response, r.Source)).ToList());
        var lines = rows.Select((row, i) =>
        {
            var line = Located(row.Source);
            line["score"] = scores[i];
            return line;
        }).ToList();
        var summary = new JsonObject { ["rows"] = rows.Count, ["mean_score"] = scores.Average(s => (double)s) };
        return (lines, summary);
    }

    /// <summary>Starts an output line with the record's line and, for a JSON array file, its item index.</summary>
    static JsonObject Located(RecordSource source)
    {
        var line = new JsonObject { ["line"] = source.Line };
        if (source.Item is int item)
            line["item"] = item;
        return line;
    }
}
