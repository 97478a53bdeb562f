using System.CommandLine;
using SharpTune.ChatTemplates;
using SharpTune.Data;
using SharpTune.Generation;
using SharpTune.Runtime;

namespace SharpTune.Cli.Commands;

/// <summary>
/// <c>sharptune chat</c>: an interactive conversation. Each stdin line is a user message and each reply is printed
/// as one block followed by an empty line; <c>/exit</c> or the end of stdin ends the session, so redirected stdin works.
/// </summary>
public static class ChatCommand
{
    public const string ExitCommand = "/exit";

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var adapter = CommonOptions.Adapter();
        var device = CommonOptions.Device();
        var system = new Option<string?>("--system") { Description = "System message that starts the conversation." };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Maximum number of tokens per reply.", DefaultValueFactory = _ => 256 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature; 0 means greedy decoding.", DefaultValueFactory = _ => 0.0 };
        var seed = new Option<long>("--seed") { Description = "Random seed for sampling.", DefaultValueFactory = _ => 0 };

        var command = new Command("chat", $"Chat with a model using its chat template; type {ExitCommand} to end.")
        {
            model, adapter, system, maxNewTokens, temperature, seed, device,
        };
        command.SetAction(CommandRunner.Guard(parse =>
        {
            var options = new GenerationOptions
            {
                MaxNewTokens = parse.GetValue(maxNewTokens),
                Temperature = parse.GetValue(temperature),
                Seed = parse.GetValue(seed),
            };
            if (options.MaxNewTokens < 1 || options.Temperature < 0)
                throw new SharpTuneInputException("--max-new-tokens must be >= 1 and --temperature >= 0");

            var modelDir = parse.GetRequiredValue(model);
            using var loaded = LoadedModel.Load(modelDir, parse.GetValue(adapter), DeviceSelector.Resolve(parse.GetValue(device)!));
            var template = ModelChatTemplate.Load(modelDir);
            if (template is null)
                Console.Error.WriteLine("note: the model has no chat template, so the plain '### User:' format is used");

            var messages = new List<ChatMessage>();
            if (parse.GetValue(system) is string systemText)
                messages.Add(new ChatMessage(ChatRoles.System, systemText));
            while (Console.In.ReadLine() is string line)
            {
                if (line.Trim() == ExitCommand)
                    break;
                messages.Add(new ChatMessage(ChatRoles.User, line));
                string reply;
                try
                {
                    (reply, _) = ChatCompletion.Reply(loaded.Model, loaded.Tokenizer, template, messages, options);
                }
                catch (ChatTemplateException ex)
                {
                    throw SharpTuneInputException.At(template?.SourcePath, null, "chat_template",
                        $"the chat template failed on this conversation: {ex.Message}");
                }
                messages.Add(new ChatMessage(ChatRoles.Assistant, reply));
                Console.Out.WriteLine(reply);
                Console.Out.WriteLine();
            }
            return CommandRunner.Success;
        }));
        return command;
    }
}
