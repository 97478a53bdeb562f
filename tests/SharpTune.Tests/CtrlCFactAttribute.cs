namespace SharpTune.Tests;

/// <summary>
/// A fact that sends Ctrl+C (SIGINT) to a child process. It is skipped when this process ignores SIGINT, as a job
/// started with <c>nohup</c> or in the background of a non-interactive shell does, because the child inherits the
/// ignored signal and the .NET runtime then installs no Ctrl+C handler.
/// </summary>
public sealed class CtrlCFactAttribute : FactAttribute
{
    public CtrlCFactAttribute()
    {
        if (SigIntIgnored())
            Skip = "SIGINT is ignored in this test process (started with nohup or as a background job), so the child cannot receive Ctrl+C; run the tests in the foreground";
    }

    // Bit 1 of the SigIgn mask in /proc/self/status is signal 2, SIGINT (proc(5)).
    static bool SigIntIgnored()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
            return false;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & 0x2) != 0;
    }
}
