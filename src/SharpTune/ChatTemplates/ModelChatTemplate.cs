using System.Text.Json.Nodes;
using SharpTune.Data;
using SharpTune.Tokenization;

namespace SharpTune.ChatTemplates;

/// <summary>
/// A model directory's chat template with the special-token texts it is rendered with, loaded as transformers
/// loads them: <c>chat_template.jinja</c> when present, else <c>tokenizer_config.json</c>'s <c>chat_template</c>
/// (a string, or a list of <c>{"name", "template"}</c> from which the one named <c>default</c> is used).
/// </summary>
public sealed class ModelChatTemplate
{
    /// <summary>The parsed template.</summary>
    public ChatTemplate Template { get; }

    /// <summary>tokenizer_config.json's bos_token text, or null when the tokenizer has none.</summary>
    public string? BosToken { get; }

    /// <summary>tokenizer_config.json's eos_token text, or null when the tokenizer has none.</summary>
    public string? EosToken { get; }

    /// <summary>The file the template came from, for error messages.</summary>
    public string SourcePath { get; }

    public ModelChatTemplate(ChatTemplate template, string? bosToken, string? eosToken, string sourcePath)
    {
        Template = template;
        BosToken = bosToken;
        EosToken = eosToken;
        SourcePath = sourcePath;
    }

    /// <summary>Loads the template of <paramref name="modelDirectory"/>, or returns null when the model has none (a base model).</summary>
    /// <exception cref="SharpTuneInputException">The template is malformed.</exception>
    public static ModelChatTemplate? Load(string modelDirectory)
    {
        var configPath = Path.Combine(modelDirectory, "tokenizer_config.json");
        var config = TokenizerJsonFiles.ReadObjectOrNull(configPath) ?? new JsonObject();
        var bos = TokenizerJsonFiles.ReadTokenContent(config, "bos_token", configPath);
        var eos = TokenizerJsonFiles.ReadTokenContent(config, "eos_token", configPath);

        var jinjaPath = Path.Combine(modelDirectory, "chat_template.jinja");
        if (File.Exists(jinjaPath))
            return new ModelChatTemplate(Parse(File.ReadAllText(jinjaPath), jinjaPath, null), bos, eos, jinjaPath);

        var source = config["chat_template"] switch
        {
            null => null,
            JsonValue value when value.TryGetValue(out string? text) => text,
            JsonArray named => named.OfType<JsonObject>()
                .FirstOrDefault(entry => entry["name"]?.GetValue<string>() == "default")?["template"]?.GetValue<string>()
                ?? throw SharpTuneInputException.At(configPath, null, "chat_template",
                    "the list of named templates has no entry named \"default\"; add one or give a single template string"),
            var other => throw SharpTuneInputException.At(configPath, null, "chat_template",
                $"expected a template string or a list of {{\"name\", \"template\"}} objects, found {other.GetValueKind()}"),
        };
        return source is null ? null : new ModelChatTemplate(Parse(source, configPath, "chat_template"), bos, eos, configPath);
    }

    static ChatTemplate Parse(string source, string path, string? field)
    {
        try
        {
            return ChatTemplate.Parse(source);
        }
        catch (ChatTemplateException ex)
        {
            throw SharpTuneInputException.At(path, null, field, $"{ex.Message}; fix the template or remove it to use the plain fallback format");
        }
    }

    /// <summary>Renders <paramref name="messages"/> with this model's special tokens.</summary>
    /// <exception cref="ChatTemplateException">The template rejected the conversation or failed.</exception>
    public string Render(IEnumerable<ChatMessage> messages, bool addGenerationPrompt)
    {
        var values = messages.Select(message =>
        {
            var dict = new PyDict { ["role"] = message.Role, ["content"] = message.Content };
            return (object?)dict;
        }).ToList();
        var input = new ChatTemplateInput(values) { AddGenerationPrompt = addGenerationPrompt, BosToken = BosToken, EosToken = EosToken };
        return Template.Render(input);
    }
}
