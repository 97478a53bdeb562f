using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SharpTune.Serving;
using SharpTune.Tokenization;

namespace SharpTune.Cli.Serving;

/// <summary>
/// An OpenAI-compatible HTTP server on 127.0.0.1: <c>GET /v1/models</c>, <c>POST /v1/completions</c> and
/// <c>POST /v1/chat/completions</c> (JSON or server-sent events), plus token-protected
/// <c>POST /admin/adapters</c> and <c>DELETE /admin/adapters/{name}</c>. The request's <c>model</c> field picks the
/// base model (by its folder name) or an adapter.
/// </summary>
public sealed class OpenAiServer : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly ModelPool _pool;
    readonly HfTokenizer _tokenizer;
    readonly CompletionEngine _engine;
    readonly ILogger _logger;
    readonly string? _adminToken;

    OpenAiServer(WebApplication app, ModelPool pool, HfTokenizer tokenizer, string? adminToken)
    {
        _app = app;
        _pool = pool;
        _tokenizer = tokenizer;
        _engine = new CompletionEngine(tokenizer);
        _logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("sharptune.serve");
        _adminToken = adminToken;
    }

    /// <summary>The address the server listens on, e.g. <c>http://127.0.0.1:8000</c>.</summary>
    public string Address => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    /// <summary>Loads the base model and starts listening; adapters load on their first request.</summary>
    public static async Task<OpenAiServer> StartAsync(ServerOptions options, ILoggerFactory? loggerFactory = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.Port));
        builder.Logging.ClearProviders();
        if (loggerFactory is not null)
            builder.Services.AddSingleton(loggerFactory);
        var app = builder.Build();

        var baseName = Path.GetFileName(Path.GetFullPath(options.ModelDir).TrimEnd(Path.DirectorySeparatorChar));
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("sharptune.serve");
        var pool = new ModelPool(options.ModelDir, baseName, options.Adapters, options.MaxLoadedAdapters, logger);
        var server = new OpenAiServer(app, pool, HfTokenizer.Load(options.ModelDir), options.AdminToken);
        server.Map();
        await app.StartAsync();
        logger.LogInformation("Serving {Models} on {Address}", string.Join(", ", pool.Names), server.Address);
        return server;
    }

    /// <summary>Runs until the process is stopped (Ctrl+C or SIGTERM).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    void Map()
    {
        _app.MapGet("/v1/models", () => Results.Json(ModelList()));
        _app.MapPost("/v1/completions", context => Handle(context, chat: false));
        _app.MapPost("/v1/chat/completions", context => Handle(context, chat: true));
        _app.MapPost("/admin/adapters", AddAdapter);
        _app.MapDelete("/admin/adapters/{name}", RemoveAdapter);
    }

    JsonObject ModelList() => new()
    {
        ["object"] = "list",
        ["data"] = new JsonArray(_pool.Names.Select(name => (JsonNode)new JsonObject
        {
            ["id"] = name,
            ["object"] = "model",
            ["created"] = 0,
            ["owned_by"] = "sharptune",
        }).ToArray()),
    };

    async Task Handle(HttpContext context, bool chat)
    {
        var watch = Stopwatch.StartNew();
        string model = "?";
        CompletionResult? result = null;
        int status = 200;
        try
        {
            var body = await new StreamReader(context.Request.Body, Encoding.UTF8).ReadToEndAsync(context.RequestAborted);
            var request = CompletionRequest.Parse(body, chat);
            model = request.Model;
            var served = _pool.Acquire(request.Model) ?? throw OpenAiError.ModelNotFound(request.Model);
            try
            {
                var response = new CompletionResponse(request.Model, chat);
                if (request.Stream)
                {
                    context.Response.ContentType = "text/event-stream";
                    context.Response.Headers.CacheControl = "no-cache";
                    await context.Response.StartAsync(context.RequestAborted);
                    var events = new System.Threading.Channels.UnboundedChannelOptions { SingleReader = true };
                    var channel = System.Threading.Channels.Channel.CreateUnbounded<string>(events);
                    var run = served.RunAsync(m =>
                    {
                        try
                        {
                            channel.Writer.TryWrite(response.StartChunk());
                            var done = _engine.Complete(m, request.Prompt, request.Options, text => channel.Writer.TryWrite(response.TextChunk(text)));
                            channel.Writer.TryWrite(response.FinishChunk(done.FinishReason));
                            return done;
                        }
                        finally
                        {
                            channel.Writer.Complete();
                        }
                    }, context.RequestAborted);
                    await foreach (var data in channel.Reader.ReadAllAsync(context.RequestAborted))
                        await WriteEvent(context, data);
                    result = await run;
                    await WriteEvent(context, "[DONE]");
                }
                else
                {
                    result = await served.RunAsync(m => _engine.Complete(m, request.Prompt, request.Options), context.RequestAborted);
                    await context.Response.WriteAsJsonAsync(response.Full(result), context.RequestAborted);
                }
            }
            finally
            {
                _pool.Release(served);
            }
        }
        catch (OpenAiError error)
        {
            status = error.Status;
            await WriteError(context, error);
        }
        catch (SharpTuneInputException error)
        {
            status = 400;
            await WriteError(context, OpenAiError.BadRequest(error.Message));
        }
        finally
        {
            _logger.LogInformation("{Method} {Path} model={Model} status={Status} prompt_tokens={Prompt} completion_tokens={Completion} latency_ms={Latency}",
                context.Request.Method, context.Request.Path, model, status, result?.PromptTokens ?? 0, result?.CompletionTokens ?? 0, watch.ElapsedMilliseconds);
        }
    }

    static async Task WriteEvent(HttpContext context, string data)
    {
        await context.Response.WriteAsync($"data: {data}\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    static async Task WriteError(HttpContext context, OpenAiError error)
    {
        if (context.Response.HasStarted)
            return; // A stream already sent 200; the client sees the stream end without [DONE].
        context.Response.StatusCode = error.Status;
        await context.Response.WriteAsJsonAsync(error.ToJson());
    }

    async Task AddAdapter(HttpContext context)
    {
        if (!Authorized(context))
        {
            await Reject(context, OpenAiError.Unauthorized());
            return;
        }
        try
        {
            var json = await JsonNode.ParseAsync(context.Request.Body) as JsonObject;
            var name = json?["name"]?.GetValue<string>() ?? throw OpenAiError.BadRequest("Missing 'name'.", "name");
            var path = json["path"]?.GetValue<string>() ?? throw OpenAiError.BadRequest("Missing 'path'.", "path");
            _pool.Add(name, path);
            _logger.LogInformation("Admin added adapter {Adapter} from {Path}", name, path);
            context.Response.StatusCode = 201;
            await context.Response.WriteAsJsonAsync(new JsonObject { ["id"] = name, ["object"] = "model" });
        }
        catch (OpenAiError error)
        {
            await Reject(context, error);
        }
        catch (Exception error) when (error is SharpTuneInputException or System.Text.Json.JsonException or InvalidOperationException)
        {
            await Reject(context, OpenAiError.BadRequest(error.Message));
        }
    }

    async Task RemoveAdapter(HttpContext context, string name)
    {
        if (!Authorized(context))
            await Reject(context, OpenAiError.Unauthorized());
        else if (!_pool.Remove(name))
            await Reject(context, OpenAiError.ModelNotFound(name));
        else
        {
            _logger.LogInformation("Admin removed adapter {Adapter}", name);
            context.Response.StatusCode = 204;
        }
    }

    async Task Reject(HttpContext context, OpenAiError error)
    {
        _logger.LogWarning("{Method} {Path} rejected: {Status} {Message}", context.Request.Method, context.Request.Path, error.Status, error.Message);
        await WriteError(context, error);
    }

    // Fixed-time comparison, so response timing does not reveal how much of a guessed token is right.
    bool Authorized(HttpContext context)
    {
        if (_adminToken is null)
            return false;
        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.Ordinal))
            return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[scheme.Length..]), Encoding.UTF8.GetBytes(_adminToken));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _pool.Dispose();
        _tokenizer.Dispose();
    }
}
