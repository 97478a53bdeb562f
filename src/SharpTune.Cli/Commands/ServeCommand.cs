using System.CommandLine;
using Microsoft.Extensions.Logging;
using SharpTune.Cli.Serving;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune serve</c>: an OpenAI-compatible HTTP server for a base model and its adapters, on 127.0.0.1.</summary>
public static class ServeCommand
{
    public const string AdminTokenVariable = "SHARPTUNE_ADMIN_TOKEN";

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var adapters = new Option<string?>("--adapters")
        {
            Description = "Adapters to offer, as NAME=DIR[,NAME=DIR...]; a request's \"model\" field selects one by NAME.",
        };
        var port = new Option<int>("--port") { Description = "TCP port on 127.0.0.1; 0 picks a free port.", DefaultValueFactory = _ => 8000 };
        var maxLoaded = new Option<int>("--max-loaded-adapters")
        {
            Description = "Adapter model copies kept in memory; the least recently used is unloaded beyond this.",
            DefaultValueFactory = _ => 4,
        };
        var adminToken = new Option<string?>("--admin-token")
        {
            Description = $"Bearer token for /admin/adapters; defaults to ${AdminTokenVariable}. Without one the admin endpoints reject every call.",
        };

        var command = new Command("serve", "Serve the model and its adapters over an OpenAI-compatible HTTP API on 127.0.0.1.")
        {
            model, adapters, port, maxLoaded, adminToken,
        };
        command.SetAction(CommandRunner.Guard(parse =>
        {
            var options = new ServerOptions
            {
                ModelDir = parse.GetRequiredValue(model),
                Adapters = ParseAdapters(parse.GetValue(adapters)),
                Port = parse.GetValue(port),
                MaxLoadedAdapters = parse.GetValue(maxLoaded),
                AdminToken = parse.GetValue(adminToken) ?? Environment.GetEnvironmentVariable(AdminTokenVariable),
            };
            // ASP.NET Core logs every request at Information; the server's own line per request replaces that.
            using var logging = LoggerFactory.Create(builder => builder
                .AddFilter("Microsoft", LogLevel.Warning)
                .AddSimpleConsole(console =>
                {
                    console.SingleLine = true;
                    console.TimestampFormat = "HH:mm:ss ";
                }));
            var server = OpenAiServer.StartAsync(options, logging).GetAwaiter().GetResult();
            Console.Out.WriteLine($"Listening on {server.Address}");
            server.WaitForShutdownAsync().GetAwaiter().GetResult();
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return CommandRunner.Success;
        }));
        return command;
    }

    /// <summary>Parses NAME=DIR[,NAME=DIR...] into a map, rejecting empty parts and repeated names.</summary>
    public static IReadOnlyDictionary<string, string> ParseAdapters(string? text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text))
            return result;
        foreach (var item in text.Split(','))
        {
            var parts = item.Split('=', 2);
            if (parts.Length != 2 || parts[0].Trim().Length == 0 || parts[1].Trim().Length == 0)
                throw new SharpTuneInputException($"--adapters: '{item}' is not NAME=DIR; write for example --adapters support=runs/a/adapter,sales=runs/b/adapter");
            if (!result.TryAdd(parts[0].Trim(), parts[1].Trim()))
                throw new SharpTuneInputException($"--adapters: the name '{parts[0].Trim()}' appears twice");
        }
        return result;
    }
}
