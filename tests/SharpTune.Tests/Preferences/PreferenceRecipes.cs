using Microsoft.Extensions.Logging.Abstractions;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using SharpTune.Recipes;
using SharpTune.Training;

namespace SharpTune.Tests.Preferences;

/// <summary>Short preference recipes on stories260k and hh-rlhf harmless pairs, for the mechanism tests.</summary>
public static class PreferenceRecipes
{
    /// <summary>A recipe that logs every step, so the first metrics row holds the step-0 loss.</summary>
    public static Recipe Parse(string dir, string objective, string mechanism, int steps = 3, string precision = "fp32")
    {
        var yaml = $"""
            model: {TestPaths.Stories260k}
            objective: {objective}
            mechanism: {mechanism}
            precision: {precision}
            device: cpu
            output_dir: run
            data:
              train: {PreferenceMaterial.HhRlhf}
              max_length: 96
            lora:
              r: 4
              alpha: 8
              dropout: 0
            reft:
              r: 4
              layers: [1, 3]
              source_prompt: "Human: Can you help me?" 
            dpo:
              beta: 0.1
            training:
              max_steps: {steps}
              batch_size: 4
              learning_rate: 1.0e-2
              lr_scheduler: constant
              logging_steps: 1
              seed: 42
            """;
        return RecipeLoader.Parse(yaml, Path.Combine(dir, "recipe.yaml"), dir);
    }

    /// <summary>Runs the recipe and returns its metrics rows.</summary>
    public static IReadOnlyList<System.Text.Json.Nodes.JsonObject> Run(Recipe recipe)
    {
        RecipeRun.Execute(recipe);
        return MetricsLog.Read(Path.Combine(recipe.OutputDir, "metrics.jsonl"));
    }

    /// <summary>
    /// Trains an attached policy with sigmoid DPO against its switched-off self on the first 12 pairs, for the
    /// recipe's steps, and returns the result.
    /// </summary>
    public static TrainingResult TrainDpo(LlamaForCausalLM model, Recipe recipe, string runDir)
    {
        var objective = new DpoObjective(0.1, DpoLossType.Sigmoid, AdapterDisabledReference.Instance);
        var trainer = new Trainer(model, recipe.Training, PreferenceMaterial.Source(PreferenceMaterial.Pairs(count: 12, maxLength: 96)),
            null, runDir, NullLogger.Instance, objective);
        return trainer.Train();
    }
}
