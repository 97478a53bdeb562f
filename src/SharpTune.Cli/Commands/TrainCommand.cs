using System.CommandLine;
using Microsoft.Extensions.Logging;
using SharpTune.Recipes;
using SharpTune.Training;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune train RECIPE.yaml</c>: runs a training recipe.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var recipe = new Argument<string>("recipe") { Description = "Training recipe (YAML); see docs/recipes.md." };
        var set = new Option<string[]>("--set")
        {
            Description = "Override a recipe key, e.g. --set training.learning_rate=1e-4 (repeatable).",
            AllowMultipleArgumentsPerToken = false,
        };
        var resume = new Option<bool>("--resume") { Description = "Continue from the latest checkpoint of this output_dir." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing output_dir once the new run finishes." };
        var device = new Option<string?>("--device") { Description = "Override the recipe's device: auto, cpu or cuda." };
        device.AcceptOnlyFromAmong("auto", "cpu", "cuda");

        var command = new Command("train", "Fine-tune a model as a recipe describes.") { recipe, set, resume, overwrite, device };
        command.SetAction(CommandRunner.Guard(parse =>
        {
            var overrides = (parse.GetValue(set) ?? []).ToList();
            if (parse.GetValue(device) is string deviceName)
                overrides.Add($"device={deviceName}");
            var loaded = RecipeLoader.Load(parse.GetRequiredValue(recipe), overrides);

            using var loggerFactory = ConsoleLogging.Create();
            var logger = loggerFactory.CreateLogger("sharptune.train");
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true; // finish the current step, save a checkpoint, then exit
                cancel.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            try
            {
                var summary = TrainingDisplay.Run(progress =>
                    RecipeRun.Execute(loaded, parse.GetValue(resume), parse.GetValue(overwrite), logger, progress, cancel.Token));
                TrainingDisplay.PrintSummary(summary);
                return summary.Result.Interrupted ? CommandRunner.Interrupted : CommandRunner.Success;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }));
        return command;
    }
}
