using System.Diagnostics;

namespace SharpTune.Tests.Generation;

/// <summary>Exit code and captured output of one <c>sharptune</c> child process.</summary>
public sealed record CliResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// Runs the built CLI (<c>SharpTune.Cli.dll</c>, copied into the test output folder by the project reference)
/// as a child process, so its console output is captured without redirecting this process's console,
/// which xunit shares between test classes running in parallel.
/// </summary>
public static class CliProcess
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    public static CliResult Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SharpTune.Cli.dll"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);

        using var process = Process.Start(start)
            ?? throw new InvalidOperationException("failed to start `dotnet SharpTune.Cli.dll`");
        // Both pipes are read at once, so a full stderr buffer cannot block the child while stdout is read.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"sharptune {string.Join(' ', arguments)} did not exit within {Limit.TotalSeconds} s");
        }
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
