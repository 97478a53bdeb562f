using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SharpTune.Tests;

/// <summary>Exit code and output of one <c>sharptune</c> process.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Lines of stderr that start with <c>error:</c>, as the CLI prints bad input.</summary>
    public IReadOnlyList<string> ErrorLines =>
        Stderr.Split('\n').Select(line => line.TrimEnd('\r')).Where(line => line.StartsWith("error:", StringComparison.Ordinal)).ToList();
}

/// <summary>
/// Runs the CLI from the test output folder as a child process. A child process has its own console and its own
/// libtorch generator, so these tests can run in parallel with the in-process ones.
/// </summary>
public static class CliProcess
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    const int Sigint = 2;

    // DllImport rather than LibraryImport, whose generated code needs unsafe blocks that this project does not allow.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int Kill(int pid, int signal);

    /// <summary>Runs <c>sharptune ARGS</c> in <paramref name="workingDir"/> to the end.</summary>
    public static CliResult Run(string workingDir, params string[] args) => RunUntil(workingDir, args, interruptAfter: null);

    /// <summary>
    /// Runs <c>sharptune ARGS</c> and sends SIGINT, as Ctrl+C does, when a stderr line first satisfies
    /// <paramref name="interruptAfter"/>.
    /// </summary>
    /// <param name="workingDir">Working folder of the process.</param>
    /// <param name="args">Command-line arguments after <c>sharptune</c>.</param>
    /// <param name="interruptAfter">Condition on a stderr line that triggers SIGINT, or null.</param>
    /// <param name="standardInput">Text written to the process's stdin, which is then closed; null leaves stdin attached.</param>
    public static CliResult RunUntil(string workingDir, string[] args, Func<string, bool>? interruptAfter, string? standardInput = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SharpTune.Cli.dll"));
        foreach (var arg in args)
            start.ArgumentList.Add(arg);

        using var process = new Process { StartInfo = start };
        var stdout = new System.Text.StringBuilder();
        var stderr = new System.Text.StringBuilder();
        bool interrupted = false;
        int? killErrno = null;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (stdout)
                    stdout.AppendLine(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
                if (!interrupted && interruptAfter is not null && interruptAfter(e.Data))
                {
                    interrupted = true;
                    // An exception here would escape on a thread-pool thread and end the test host, so it is raised below.
                    if (Kill(process.Id, Sigint) != 0)
                        killErrno = Marshal.GetLastPInvokeError();
                }
            }
        };

        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
        }
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"sharptune {string.Join(' ', args)} did not exit within {Timeout.TotalSeconds} s");
        }
        process.WaitForExit(); // drains the output events
        if (killErrno is int errno)
            throw new InvalidOperationException($"kill -INT {process.Id} failed with errno {errno}");
        lock (stderr)
            lock (stdout)
                return new CliResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
