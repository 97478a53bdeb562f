using Microsoft.Extensions.Logging;

namespace SharpTune.Cli;

/// <summary>Library log messages go to stderr as single lines, so stdout carries only command results.</summary>
public static class ConsoleLogging
{
    public static ILoggerFactory Create() => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(LogLevel.Information)
        .AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss ";
        })
        .AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace));
}
