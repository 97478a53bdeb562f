using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Data;
using SharpTune.Generation;

namespace SharpTune.Cli.Serving;

/// <summary>
/// The fields of an OpenAI completion or chat completion request that the server honours. Defaults follow OpenAI's
/// API: temperature 1, top_p 1, and for <c>/v1/completions</c> max_tokens 16; chat completions run to a stop token or
/// the end of the context by default.
/// </summary>
public sealed record CompletionRequest(string Model, string Prompt, GenerationOptions Options, bool Stream)
{
    public static CompletionRequest Parse(string body, bool chat)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(body) as JsonObject ?? throw OpenAiError.BadRequest("The request body must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw OpenAiError.BadRequest($"The request body is not valid JSON: {e.Message}");
        }

        var model = String(json, "model") ?? throw OpenAiError.BadRequest("Missing required field 'model'.", "model");
        var prompt = chat ? ChatPrompt(json) : String(json, "prompt") ?? throw OpenAiError.BadRequest("Missing 'prompt'; it must be a string.", "prompt");
        var options = new GenerationOptions
        {
            MaxNewTokens = Int(json, chat ? "max_completion_tokens" : "max_tokens") ?? Int(json, "max_tokens") ?? (chat ? int.MaxValue : 16),
            Temperature = Number(json, "temperature") ?? 1.0,
            TopP = Number(json, "top_p") ?? 1.0,
            Seed = Int(json, "seed") ?? 0,
        };
        if (options.MaxNewTokens < 1)
            throw OpenAiError.BadRequest("'max_tokens' must be at least 1.", "max_tokens");
        if (options.Temperature is < 0 or > 2)
            throw OpenAiError.BadRequest("'temperature' must be between 0 and 2.", "temperature");
        if (options.TopP is <= 0 or > 1)
            throw OpenAiError.BadRequest("'top_p' must be in (0, 1].", "top_p");
        return new CompletionRequest(model, prompt, options, json["stream"]?.GetValue<bool>() ?? false);
    }

    // NOTE: chat messages are rendered with SharpTune's plain "### User:" format, the one SFT uses for models
    // without a chat template. A model's own Jinja chat_template is not applied yet.
    static string ChatPrompt(JsonObject json)
    {
        if (json["messages"] is not JsonArray { Count: > 0 } array)
            throw OpenAiError.BadRequest("'messages' must be a non-empty array.", "messages");
        var messages = new List<ChatMessage>();
        foreach (var item in array)
        {
            var role = item?["role"]?.GetValue<string>();
            var content = item?["content"]?.GetValue<string>();
            if (role is null || !ChatRoles.All.Contains(role) || content is null)
                throw OpenAiError.BadRequest("Each message needs a 'role' (system, user or assistant) and a string 'content'.", "messages");
            messages.Add(new ChatMessage(role, content));
        }
        return ChatFallbackPrompt.RenderGenerationPrompt(messages);
    }

    static string? String(JsonObject json, string key)
    {
        try
        {
            return json[key]?.GetValue<string>();
        }
        catch (InvalidOperationException)
        {
            throw OpenAiError.BadRequest($"'{key}' must be a string.", key);
        }
    }

    static double? Number(JsonObject json, string key)
    {
        if (json[key] is null)
            return null;
        return json[key] is JsonValue v && v.TryGetValue<double>(out var d) ? d : throw OpenAiError.BadRequest($"'{key}' must be a number.", key);
    }

    static int? Int(JsonObject json, string key) => Number(json, key) is double d
        ? (d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue ? (int)d : throw OpenAiError.BadRequest($"'{key}' must be an integer.", key))
        : null;
}
