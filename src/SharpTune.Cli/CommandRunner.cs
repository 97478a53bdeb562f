using System.CommandLine;
using SharpTune.Runtime;

namespace SharpTune.Cli;

/// <summary>Exit codes and error printing shared by every command.</summary>
public static class CommandRunner
{
    public const int Success = 0;
    /// <summary>Unexpected failure (a bug, out of memory, a native error).</summary>
    public const int Failure = 1;
    /// <summary>Bad input: command line, recipe, data or model files.</summary>
    public const int BadInput = 2;
    /// <summary>Stopped by Ctrl+C, as shells report SIGINT (128 + 2).</summary>
    public const int Interrupted = 130;

    public static int Run(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
                Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine("Run 'sharptune --help' for usage.");
            return BadInput;
        }
        try
        {
            TorchRuntime.EnsureLoaded();
            return parse.Invoke();
        }
        catch (SharpTuneInputException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return BadInput;
        }
    }

    /// <summary>Wraps a command body so that input errors thrown inside it map to exit code 2.</summary>
    public static Func<ParseResult, int> Guard(Func<ParseResult, int> body) => parse =>
    {
        try
        {
            return body(parse);
        }
        catch (SharpTuneInputException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return BadInput;
        }
    };
}
