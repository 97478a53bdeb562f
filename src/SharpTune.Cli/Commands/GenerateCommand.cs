using System.CommandLine;
using SharpTune.Data;
using SharpTune.Generation;
using SharpTune.Runtime;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune generate</c>: prints only the completion of a prompt.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var device = CommonOptions.Device();
        var prompt = new Option<string>("--prompt") { Description = "Prompt text; with --template alpaca it is the instruction.", Required = true };
        var template = new Option<string>("--template")
        {
            Description = "none: use the prompt as is. alpaca: wrap it in the Alpaca template that SFT on instruction data trains with.",
            DefaultValueFactory = _ => "none",
        };
        template.AcceptOnlyFromAmong("none", "alpaca");
        var maxNewTokens = new Option<int?>("--max-new-tokens")
        {
            Description = "Maximum number of tokens to generate; by default generation runs until a stop token or the end of the context window.",
        };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature; 0 means greedy decoding.", DefaultValueFactory = _ => 0.0 };
        var topK = new Option<int>("--top-k") { Description = "Sample only from the k most likely tokens; 0 disables.", DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling probability mass; 1 disables.", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<long>("--seed") { Description = "Random seed for sampling.", DefaultValueFactory = _ => 0 };

        var command = new Command("generate", "Generate a completion for a prompt.")
        {
            model, adapter, prompt, template, maxNewTokens, temperature, topK, topP, seed, device,
        };
        command.SetAction(CommandRunner.Guard(parse =>
        {
            var options = new GenerationOptions
            {
                // The generator caps this at the context window left after the prompt.
                MaxNewTokens = parse.GetValue(maxNewTokens) ?? int.MaxValue,
                Temperature = parse.GetValue(temperature),
                TopK = parse.GetValue(topK),
                TopP = parse.GetValue(topP),
                Seed = parse.GetValue(seed),
            };
            if (options.MaxNewTokens < 0 || options.Temperature < 0 || options.TopK < 0 || options.TopP is <= 0 or > 1)
                throw new SharpTuneInputException("--max-new-tokens, --temperature and --top-k must be >= 0, and --top-p in (0, 1]");

            using var loaded = LoadedModel.Load(parse.GetRequiredValue(model), parse.GetValue(adapter), DeviceSelector.Resolve(parse.GetValue(device)!));
            var promptText = parse.GetValue(template) == "alpaca"
                ? AlpacaPrompt.Render(parse.GetRequiredValue(prompt))
                : parse.GetRequiredValue(prompt);
            var (text, _) = TextCompletion.Complete(loaded.Model, loaded.Tokenizer, promptText, options);
            Console.Out.Write(text);
            Console.Out.WriteLine();
            return CommandRunner.Success;
        }));
        return command;
    }
}
