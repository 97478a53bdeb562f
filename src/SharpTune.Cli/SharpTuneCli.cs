using System.CommandLine;
using SharpTune.Cli.Commands;

namespace SharpTune.Cli;

/// <summary>The <c>sharptune</c> command tree.</summary>
public static class SharpTuneCli
{
    public static RootCommand BuildRoot() => new("SharpTune: fine-tune, evaluate, export and serve decoder language models (Llama, Qwen, Mistral, Gemma, Phi-3, GPT-2).")
    {
        TrainCommand.Create(),
        GenerateCommand.Create(),
        EvalCommand.Create(),
        ScoreCommand.Create(),
        MergeCommand.Create(),
        ChatCommand.Create(),
        ExportCommand.Create(),
        ServeCommand.Create(),
        InspectCommand.Create(),
        PlanCommand.Create(),
    };

    /// <summary>Parses and runs a command line; returns the process exit code (see <see cref="CommandRunner"/>).</summary>
    public static int Run(string[] args) => CommandRunner.Run(BuildRoot(), args);
}
