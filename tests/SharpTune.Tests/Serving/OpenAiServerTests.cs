using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using SharpTune.Cli.Serving;
using SharpTune.Tests.Export;

namespace SharpTune.Tests.Serving;

/// <summary>
/// <c>sharptune serve</c> on a loopback port with two adapters: every reply must equal <c>sharptune generate</c> for
/// the same model, streamed or not, while requests for different adapters run at the same time.
/// </summary>
public sealed class OpenAiServerTests : IClassFixture<OpenAiServerTests.Server>
{
    const string Prompt = "Once upon a time";
    const int MaxTokens = 24;
    const string Token = "test-admin-token";

    /// <summary>A running server plus the expected text of each model from the CLI.</summary>
    public sealed class Server : IAsyncLifetime
    {
        public TrainedAdapters Adapters { get; } = new();
        public OpenAiServer Instance { get; private set; } = null!;
        public HttpClient Http { get; private set; } = null!;
        public Dictionary<string, string> Expected { get; } = [];
        public string BaseName => "stories260k";

        public async Task InitializeAsync()
        {
            foreach (var (name, adapter) in new[] { (BaseName, (string?)null), ("first", Adapters.First), ("second", Adapters.Second) })
            {
                string[] args = ["generate", "--model", TestPaths.Stories260k, "--prompt", Prompt, "--temperature", "0",
                    "--max-new-tokens", MaxTokens.ToString(), "--device", "cpu"];
                if (adapter is not null)
                    args = [.. args, "--adapter", adapter];
                var result = CliProcess.Run(Directory.GetCurrentDirectory(), args);
                Assert.Equal(0, result.ExitCode);
                Expected[name] = result.Stdout[..^Environment.NewLine.Length]; // generate ends its output with one newline.
            }

            Instance = await OpenAiServer.StartAsync(new ServerOptions
            {
                ModelDir = TestPaths.Stories260k,
                Adapters = new Dictionary<string, string> { ["first"] = Adapters.First, ["second"] = Adapters.Second },
                Port = 0,
                AdminToken = Token,
                MaxLoadedAdapters = 2,
            });
            Http = new HttpClient { BaseAddress = new Uri(Instance.Address) };
        }

        public async Task DisposeAsync()
        {
            Http.Dispose();
            await Instance.DisposeAsync();
            Adapters.Dispose();
        }
    }

    readonly Server _server;

    public OpenAiServerTests(Server server) => _server = server;

    async Task<(HttpStatusCode Status, JsonNode Body)> Post(string path, object body)
    {
        using var response = await _server.Http.PostAsync(path, new StringContent(JsonContentText(body), Encoding.UTF8, "application/json"));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    static string JsonContentText(object body) => System.Text.Json.JsonSerializer.Serialize(body);

    static object CompletionBody(string model, bool stream = false) =>
        new { model, prompt = Prompt, max_tokens = MaxTokens, temperature = 0, stream };

    async Task<string> StreamText(string path, object body, Func<JsonNode, string?> pieceOf)
    {
        using var response = await _server.Http.PostAsync(path, new StringContent(JsonContentText(body), Encoding.UTF8, "application/json"));
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n');
        var text = new StringBuilder();
        foreach (var line in lines.Where(l => l.StartsWith("data: ", StringComparison.Ordinal)))
        {
            var data = line["data: ".Length..];
            if (data != "[DONE]")
                text.Append(pieceOf(JsonNode.Parse(data)!));
        }
        Assert.Equal("data: [DONE]", lines.Last(l => l.Length > 0));
        return text.ToString();
    }

    [Fact]
    public async Task Concurrent_requests_match_generate()
    {
        string[] models = [_server.BaseName, "first", "second", "second", _server.BaseName, "first"];

        var replies = await Task.WhenAll(models.Select(m => Post("/v1/completions", CompletionBody(m))));

        Assert.NotEqual(_server.Expected["first"], _server.Expected["second"]);
        for (int i = 0; i < models.Length; i++)
        {
            Assert.Equal(HttpStatusCode.OK, replies[i].Status);
            Assert.Equal(_server.Expected[models[i]], replies[i].Body["choices"]![0]!["text"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Completion_reports_usage()
    {
        var (_, body) = await Post("/v1/completions", CompletionBody("first"));

        Assert.Equal(5, body["usage"]!["prompt_tokens"]!.GetValue<int>()); // <s> Once upon a time
        Assert.Equal(MaxTokens, body["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal("length", body["choices"]![0]!["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Stream_equals_non_stream()
    {
        var streamed = await StreamText("/v1/completions", CompletionBody("second", stream: true), chunk => chunk["choices"]![0]!["text"]!.GetValue<string>());

        Assert.Equal(_server.Expected["second"], streamed);
    }

    [Fact]
    public async Task Chat_stream_equals_chat()
    {
        var body = new { model = "first", messages = new[] { new { role = "user", content = "Tell a story." } }, max_tokens = MaxTokens, temperature = 0 };
        var streamBody = new { body.model, body.messages, body.max_tokens, body.temperature, stream = true };

        var (status, full) = await Post("/v1/chat/completions", body);
        var streamed = await StreamText("/v1/chat/completions", streamBody, chunk => chunk["choices"]![0]!["delta"]!["content"]?.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(full["choices"]![0]!["message"]!["content"]!.GetValue<string>(), streamed);
    }

    [Fact]
    public async Task Unknown_model_is_404()
    {
        var (status, body) = await Post("/v1/completions", CompletionBody("missing"));

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("model_not_found", body["error"]!["code"]!.GetValue<string>());
        Assert.Equal("invalid_request_error", body["error"]!["type"]!.GetValue<string>());
        Assert.Contains("missing", body["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Invalid_json_is_400()
    {
        using var response = await _server.Http.PostAsync("/v1/completions", new StringContent("{", Encoding.UTF8, "application/json"));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", body["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Models_lists_base_and_adapters()
    {
        var body = JsonNode.Parse(await _server.Http.GetStringAsync("/v1/models"))!;
        var ids = body["data"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()).ToList();

        Assert.Contains(_server.BaseName, ids);
        Assert.Contains("first", ids);
        Assert.Contains("second", ids);
    }

    [Fact]
    public async Task Admin_without_token_is_401()
    {
        var (status, body) = await Post("/admin/adapters", new { name = "third", path = _server.Adapters.First });

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_api_key", body["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Admin_adds_and_removes_adapter()
    {
        using var add = new HttpRequestMessage(HttpMethod.Post, "/admin/adapters")
        {
            Content = new StringContent(JsonContentText(new { name = "copy", path = _server.Adapters.First }), Encoding.UTF8, "application/json"),
        };
        add.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var added = await _server.Http.SendAsync(add);
        var (_, reply) = await Post("/v1/completions", CompletionBody("copy"));
        using var remove = new HttpRequestMessage(HttpMethod.Delete, "/admin/adapters/copy");
        remove.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var removed = await _server.Http.SendAsync(remove);
        var (after, _) = await Post("/v1/completions", CompletionBody("copy"));

        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal(_server.Expected["first"], reply["choices"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, after);
    }

    [Fact]
    public async Task OpenAi_client_chats()
    {
        var client = new ChatClient("second", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(_server.Instance.Address + "/v1") });
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = MaxTokens };
        List<ChatMessage> messages = [new UserChatMessage("Tell a story.")];

        var completion = await client.CompleteChatAsync(messages, options);
        var streamed = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync(messages, options))
            foreach (var part in update.ContentUpdate)
                streamed.Append(part.Text);

        Assert.NotEmpty(completion.Value.Content[0].Text);
        Assert.Equal(completion.Value.Content[0].Text, streamed.ToString());
    }
}
