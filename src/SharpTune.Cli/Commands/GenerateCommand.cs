using System.CommandLine;
using SharpTune.ChatTemplates;
using SharpTune.Data;
using SharpTune.Export;
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
        var prompt = new Option<string?>("--prompt") { Description = "Prompt text; with --template alpaca it is the instruction, with --chat the user message." };
        var promptIds = new Option<string?>("--prompt-ids")
        {
            Description = "Prompt as comma-separated token ids, such as 1,5,9, used as is (no BOS added); instead of --prompt.",
        };
        var printIds = new Option<bool>("--print-ids") { Description = "Print the generated token ids, comma-separated, instead of text." };
        var chat = new Option<bool>("--chat")
        {
            Description = "Render the prompt as one user message with the model's chat template and its generation prompt.",
        };
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
        var previewGguf = new Option<string?>("--preview-gguf")
        {
            Description = "Generate as a GGUF export with this --dtype computes in llama.cpp: weights rounded as the file stores them "
                + "(adapter merged first), to check a quantized export before deploying it.",
        };
        previewGguf.AcceptOnlyFromAmong([.. ExportDtype.Names]);
        var previewNumerics = new Option<string?>("--preview-numerics")
        {
            Description = "With --preview-gguf. llama-cpp (default): also round activations as llama.cpp's CPU backend does "
                + "(8-bit blocks before q8_0 and q4_0 products, f16 KV cache and attention). weights: round only the weights.",
        };
        previewNumerics.AcceptOnlyFromAmong("llama-cpp", "weights");

        var command = new Command("generate", "Generate a completion for a prompt.")
        {
            model, adapter, prompt, promptIds, printIds, chat, template, maxNewTokens, temperature, topK, topP, seed,
            previewGguf, previewNumerics, device,
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
            if (options.MaxNewTokens < 1)
                throw new SharpTuneInputException($"--max-new-tokens: must be at least 1, got {options.MaxNewTokens}");
            if (!(options.Temperature >= 0) || double.IsInfinity(options.Temperature))
                throw new SharpTuneInputException($"--temperature: must be a finite number >= 0 (0 is greedy), got {options.Temperature}");
            if (options.TopK < 0)
                throw new SharpTuneInputException($"--top-k: must be >= 0 (0 disables it), got {options.TopK}");
            if (!(options.TopP > 0 && options.TopP <= 1))
                throw new SharpTuneInputException($"--top-p: must be in (0, 1], got {options.TopP}");

            var promptText = parse.GetValue(prompt);
            var idsText = parse.GetValue(promptIds);
            if ((promptText is null) == (idsText is null))
                throw new SharpTuneInputException("give exactly one of --prompt and --prompt-ids");
            if (idsText is not null && (parse.GetValue(chat) || parse.GetValue(template) != "none"))
                throw new SharpTuneInputException("--prompt-ids is used as is; remove --chat and --template");
            if (parse.GetValue(chat) && parse.GetValue(template) != "none")
                throw new SharpTuneInputException("--chat and --template alpaca both format the prompt; use one of them");

            var modelDir = parse.GetRequiredValue(model);
            if (parse.GetValue(previewNumerics) is not null && parse.GetValue(previewGguf) is null)
                throw new SharpTuneInputException("--preview-numerics applies only to a GGUF preview; add --preview-gguf with the export's --dtype, such as q8_0");

            var deviceValue = DeviceSelector.Resolve(parse.GetValue(device)!);
            using var loaded = parse.GetValue(previewGguf) is string previewType
                ? LoadedModel.LoadGgufPreview(modelDir, parse.GetValue(adapter), deviceValue, ExportDtype.ToGgml(previewType),
                    parse.GetValue(previewNumerics) == "weights" ? GgufPreviewMode.Weights : GgufPreviewMode.LlamaCpp)
                : LoadedModel.Load(modelDir, parse.GetValue(adapter), deviceValue);
            if (options.StopIds.Count == 0)
                options = options with { StopIds = loaded.Tokenizer.StopIds };

            string text;
            IReadOnlyList<long> generated;
            if (idsText is not null)
            {
                var ids = ParseIds(idsText, loaded.Tokenizer.VocabSize);
                generated = TextGenerator.Generate(loaded.Model, ids, options);
                text = loaded.Tokenizer.Decode(generated);
            }
            else if (parse.GetValue(chat))
            {
                var chatTemplate = ModelChatTemplate.Load(modelDir);
                var ids = ChatCompletion.EncodePrompt(loaded.Tokenizer, chatTemplate, [new ChatMessage(ChatRoles.User, promptText!)]);
                generated = TextGenerator.Generate(loaded.Model, ids, options);
                text = loaded.Tokenizer.Decode(generated);
            }
            else
            {
                var rendered = parse.GetValue(template) == "alpaca" ? AlpacaPrompt.Render(promptText!) : promptText!;
                (text, generated) = TextCompletion.Complete(loaded.Model, loaded.Tokenizer, rendered, options);
            }

            Console.Out.Write(parse.GetValue(printIds) ? string.Join(",", generated) : text);
            Console.Out.WriteLine();
            return CommandRunner.Success;
        }));
        return command;
    }

    static List<long> ParseIds(string text, int vocabSize)
    {
        var ids = new List<long>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!long.TryParse(part, out var id) || id < 0 || id >= vocabSize)
                throw new SharpTuneInputException(
                    $"--prompt-ids: '{part}' is not a token id; give comma-separated integers from 0 to {vocabSize - 1}, such as 1,5,9");
            ids.Add(id);
        }
        return ids;
    }
}
