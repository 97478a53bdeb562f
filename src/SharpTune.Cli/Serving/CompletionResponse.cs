using System.Text.Json.Nodes;
using SharpTune.Serving;

namespace SharpTune.Cli.Serving;

/// <summary>Builds OpenAI response bodies and stream chunks for one request (text_completion or chat.completion).</summary>
public sealed class CompletionResponse(string model, bool chat)
{
    readonly string _id = (chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N");
    readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public JsonObject Full(CompletionResult result)
    {
        var body = Envelope(chat ? "chat.completion" : "text_completion", Choice(result.Text, result.FinishReason));
        body["usage"] = new JsonObject
        {
            ["prompt_tokens"] = result.PromptTokens,
            ["completion_tokens"] = result.CompletionTokens,
            ["total_tokens"] = result.PromptTokens + result.CompletionTokens,
        };
        return body;
    }

    /// <summary>The first chunk; for chat it carries the assistant role, as OpenAI's stream does.</summary>
    public string StartChunk() => Chunk(chat ? new JsonObject { ["role"] = "assistant", ["content"] = "" } : null, "", null);

    public string TextChunk(string text) => Chunk(chat ? new JsonObject { ["content"] = text } : null, text, null);

    public string FinishChunk(string finishReason) => Chunk(chat ? new JsonObject() : null, "", finishReason);

    string Chunk(JsonObject? delta, string text, string? finishReason)
    {
        var choice = new JsonObject { ["index"] = 0 };
        if (chat)
            choice["delta"] = delta;
        else
        {
            choice["text"] = text;
            choice["logprobs"] = null;
        }
        choice["finish_reason"] = finishReason;
        return Envelope(chat ? "chat.completion.chunk" : "text_completion", choice).ToJsonString();
    }

    JsonObject Choice(string text, string finishReason)
    {
        var choice = new JsonObject { ["index"] = 0 };
        if (chat)
            choice["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text };
        else
        {
            choice["text"] = text;
            choice["logprobs"] = null;
        }
        choice["finish_reason"] = finishReason;
        return choice;
    }

    JsonObject Envelope(string objectType, JsonObject choice) => new()
    {
        ["id"] = _id,
        ["object"] = objectType,
        ["created"] = _created,
        ["model"] = model,
        ["choices"] = new JsonArray(choice),
    };
}
