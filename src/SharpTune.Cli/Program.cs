using System.CommandLine;
using SharpTune.Cli;
using SharpTune.Cli.Commands;

var root = new RootCommand("SharpTune: fine-tune Llama-family language models with full fine-tuning or LoRA.")
{
    TrainCommand.Create(),
    GenerateCommand.Create(),
    EvalCommand.Create(),
    MergeCommand.Create(),
};
return CommandRunner.Run(root, args);
