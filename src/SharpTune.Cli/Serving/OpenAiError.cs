using System.Text.Json.Nodes;

namespace SharpTune.Cli.Serving;

/// <summary>An error reply in OpenAI's shape: <c>{"error": {"message", "type", "param", "code"}}</c> with an HTTP status.</summary>
public sealed class OpenAiError(int status, string message, string type, string? param = null, string? code = null) : Exception(message)
{
    public int Status { get; } = status;

    public JsonObject ToJson() => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = Message,
            ["type"] = type,
            ["param"] = param,
            ["code"] = code,
        },
    };

    public static OpenAiError BadRequest(string message, string? param = null) =>
        new(400, message, "invalid_request_error", param);

    public static OpenAiError ModelNotFound(string model) =>
        new(404, $"The model '{model}' does not exist; GET /v1/models lists the served names.", "invalid_request_error", "model", "model_not_found");

    public static OpenAiError Unauthorized() =>
        new(401, "Missing or invalid admin token; send 'Authorization: Bearer <token>'.", "invalid_request_error", null, "invalid_api_key");
}
