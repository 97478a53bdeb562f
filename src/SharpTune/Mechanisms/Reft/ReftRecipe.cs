using Microsoft.Extensions.Logging;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using SharpTune.Recipes;
using SharpTune.Tokenization;

namespace SharpTune.Mechanisms.Reft;

/// <summary>Turns a recipe's ReFT settings into an attached <see cref="ReftModel"/> and its training objective.</summary>
public static class ReftRecipe
{
    /// <summary>Returns the ReFT method for a recipe mechanism, or null when the mechanism is not ReFT.</summary>
    public static ReftMethod? MethodOf(MechanismKind mechanism) => mechanism switch
    {
        MechanismKind.Loreft => ReftMethod.Loreft,
        MechanismKind.Direft => ReftMethod.Direft,
        MechanismKind.Dii => ReftMethod.Dii,
        MechanismKind.Brep => ReftMethod.Brep,
        _ => null,
    };

    /// <summary>Attaches the recipe's interventions when its mechanism is ReFT; returns null otherwise.</summary>
    public static ReftModel? TryAttach(LlamaForCausalLM model, Recipe recipe, HfTokenizer tokenizer, ILogger logger)
    {
        if (MethodOf(recipe.Mechanism) is not ReftMethod method)
            return null;
        var mechanism = ReftArtifact.MechanismName(method);
        // Preference rows have the shared prompt as their prompt and RLHF rollouts the query; plain text has none.
        if (recipe.Objective is not (ObjectiveKind.Sft or ObjectiveKind.Dpo or ObjectiveKind.Orpo or ObjectiveKind.Simpo
                or ObjectiveKind.Reward or ObjectiveKind.Rlhf))
            throw new SharpTuneInputException(
                $"mechanism: {mechanism} intervenes at prompt positions, so it needs objective sft, dpo, orpo, simpo, reward or rlhf; {RecipeEnum.ToYaml(recipe.Objective)} has no prompt");
        if (method == ReftMethod.Brep && recipe.Objective != ObjectiveKind.Sft)
            throw new SharpTuneInputException(
                $"mechanism: brep trains with its own loss (truncated responses plus a bias penalty), which objective {RecipeEnum.ToYaml(recipe.Objective)} would replace; use loreft, direft or dii");
        if (recipe.UsesPacking)
            throw new SharpTuneInputException(
                $"data.packing: {mechanism} counts positions within each row's prompt, so set data.packing: false");
        if (method == ReftMethod.Dii && recipe.Reft.SourcePrompt is null)
            throw new SharpTuneInputException("reft.source_prompt: dii needs a source prompt; set it to the text whose subspace the interventions copy");

        var options = new ReftOptions
        {
            Method = method,
            Layers = recipe.Reft.Layers,
            R = recipe.Reft.R,
            FirstPositions = recipe.Reft.FirstPositions,
            LastPositions = recipe.Reft.LastPositions,
            GeneratedPositions = recipe.Reft.GeneratedPositions,
            SourceIds = recipe.Reft.SourcePrompt is null ? null : tokenizer.Encode(recipe.Reft.SourcePrompt),
        };
        var reft = ReftAttach.Attach(model, options, recipe.Training.Seed);
        logger.LogInformation("{Mechanism} on layers {Layers}: r={R}, first {First} and last {Last} prompt tokens{Extra}; base weights frozen",
            mechanism, string.Join(", ", reft.ByLayer.Keys), options.R, options.FirstPositions, options.LastPositions,
            method == ReftMethod.Brep ? $", every prompt token and {options.GeneratedPositions} generated tokens" : "");
        return reft;
    }

    /// <summary>Returns the objective the method trains with: BREP's truncated, penalised loss, or null for the default.</summary>
    public static ITrainingObjective? Objective(ReftModel? reft, Recipe recipe)
    {
        if (reft?.Options.Method != ReftMethod.Brep)
            return null;
        var settings = recipe.Reft;
        return new BrepObjective(reft, settings.PrefixLength,
            new PidController(settings.Kp, settings.Ki, settings.Kd, settings.BiasTarget));
    }
}
