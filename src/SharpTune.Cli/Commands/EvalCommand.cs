using System.CommandLine;
using System.Text.Json.Nodes;
using SharpTune.Data;
using SharpTune.Runtime;
using SharpTune.Training;

namespace SharpTune.Cli.Commands;

/// <summary>
/// <c>sharptune eval</c>: prints one JSON object with the token-mean next-token <c>loss</c>, its <c>perplexity</c>
/// (exp of the loss) and the number of target <c>tokens</c>. Text records are scored on every token, packed into
/// max-length blocks; instruction and chat records on their response tokens only, as training scores them.
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var device = CommonOptions.Device();
        var data = new Option<string>("--data") { Description = "JSONL or JSON file of text, instruction or chat records.", Required = true };
        var format = new Option<string>("--format") { Description = "Record format: auto, text, alpaca or chat.", DefaultValueFactory = _ => "auto" };
        format.AcceptOnlyFromAmong("auto", "text", "alpaca", "chat");
        var maxLength = new Option<int>("--max-length") { Description = "Tokens per example; longer ones are truncated.", DefaultValueFactory = _ => 512 };
        var batchSize = new Option<int>("--batch-size") { Description = "Examples per forward pass.", DefaultValueFactory = _ => 8 };

        var command = new Command("eval", "Compute the loss and perplexity of a model on a data file.")
        {
            model, adapter, data, format, maxLength, batchSize, device,
        };
        command.SetAction(CommandRunner.Guard(parse =>
        {
            if (parse.GetValue(maxLength) < 2 || parse.GetValue(batchSize) < 1)
                throw new SharpTuneInputException("--max-length must be at least 2 and --batch-size at least 1");

            using var loaded = LoadedModel.Load(parse.GetRequiredValue(model), parse.GetValue(adapter), DeviceSelector.Resolve(parse.GetValue(device)!));
            var parsed = RecordParser.Load(parse.GetRequiredValue(data), Enum.Parse<DatasetFormat>(parse.GetValue(format)!, ignoreCase: true));
            int context = loaded.Model.Config.MaxPositionEmbeddings;
            var examples = parsed.Format == DatasetFormat.Text
                ? new TextExampleBuilder(loaded.Tokenizer, parse.GetValue(maxLength), pack: true, context).Build(parsed.Records.Cast<TextRecord>())
                : new SftExampleBuilder(loaded.Tokenizer, parse.GetValue(maxLength), context).Build(parsed.Records);

            if (examples.Examples.Count == 0)
                throw SharpTuneInputException.At(parse.GetRequiredValue(data), null, "--max-length",
                    $"no example keeps a target token at max length {parse.GetValue(maxLength)}; raise --max-length");
            var source = new ExampleBatchSource(examples.Examples, Collator.For(loaded.Tokenizer));
            var (loss, tokens) = BatchForward.MeanLoss(loaded.Model, source, parse.GetValue(batchSize));
            var result = new JsonObject
            {
                ["loss"] = loss,
                ["perplexity"] = Math.Exp(loss),
                ["tokens"] = tokens,
                ["examples"] = examples.Examples.Count,
                ["truncated"] = examples.TruncatedCount,
                ["dropped"] = examples.DroppedCount,
            };
            Console.Out.WriteLine(result.ToJsonString());
            return CommandRunner.Success;
        }));
        return command;
    }
}
