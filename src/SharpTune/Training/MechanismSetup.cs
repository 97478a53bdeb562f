using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SharpTune.Mechanisms.Adapters;
using SharpTune.Mechanisms.BitFit;
using SharpTune.Mechanisms.DiffPruning;
using SharpTune.Mechanisms.Heads;
using SharpTune.Mechanisms.Prefix;
using SharpTune.Mechanisms.SubTuning;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using SharpTune.Recipes;

namespace SharpTune.Training;

/// <summary>A mechanism attached to a run's model: how to save its artifact, a hook after each optimizer step, and the loss.</summary>
/// <param name="Save">Writes the artifact to the given folder.</param>
/// <param name="AfterStep">Called with (step, total steps) after each optimizer step, or null.</param>
/// <param name="Objective">The loss the trainer minimises.</param>
/// <param name="Head">The classification head for objective classify, else null.</param>
public sealed record AttachedMechanism(Action<string> Save, Action<int, int>? AfterStep, ITrainingObjective Objective,
    ClassificationHead? Head = null);

/// <summary>Attaches the mechanisms besides full fine-tuning and LoRA, and logs what each one trains.</summary>
public static class MechanismSetup
{
    /// <summary>Attaches <c>recipe.Mechanism</c> to <paramref name="model"/>; <paramref name="labels"/> are the classes of a classify run.</summary>
    public static AttachedMechanism Attach(LlamaForCausalLM model, Recipe recipe, RunData data, IBatchSource train,
        IReadOnlyList<string>? labels, ILogger logger)
    {
        switch (recipe.Mechanism)
        {
            case MechanismKind.Bitfit:
            {
                var attached = BitFitModel.Attach(model, recipe.BitFit);
                logger.LogInformation("BitFit on {Targets}: training {Existing} existing biases and {Added} zero-initialised biases added to linears that had none",
                    string.Join(", ", recipe.BitFit.TargetModules), attached.ExistingBiases.Count, attached.AddedBiases.Count);
                return new AttachedMechanism(dir => BitFitModel.Save(model, recipe.BitFit, dir), null, CausalLmObjective.Instance);
            }
            case MechanismKind.Adapter:
            {
                var paths = AdapterModel.Attach(model, recipe.Adapter, recipe.Training.Seed);
                logger.LogInformation("Bottleneck adapters of size {Size} ({NonLinearity}) after {Count} projections: {Placement}",
                    recipe.Adapter.BottleneckSize, RecipeEnum.ToYaml(recipe.Adapter.NonLinearity), paths.Count,
                    string.Join(" and ", new[] { recipe.Adapter.MhAdapter ? "attention (o_proj)" : null, recipe.Adapter.OutputAdapter ? "MLP (down_proj)" : null }.OfType<string>()));
                return new AttachedMechanism(dir => AdapterModel.Save(model, recipe.Adapter, dir), null, CausalLmObjective.Instance);
            }
            case MechanismKind.LinearProbe or MechanismKind.MlpHead or MechanismKind.ProjectionHead:
            {
                if (labels is null)
                    throw new InvalidOperationException("A head mechanism needs the class labels of a classify run.");
                var head = HeadModel.Attach(model, recipe.Head, labels, recipe.Training.Seed);
                logger.LogInformation("{Kind} with {Pooling} pooling on a frozen backbone; {Count} classes: {Labels}",
                    RecipeEnum.ToYaml(recipe.Mechanism), RecipeEnum.ToYaml(recipe.Head.Pooling), labels.Count, string.Join(", ", labels));
                double[]? weights = null;
                if (recipe.Head.ClassWeights == HeadClassWeights.Balanced)
                {
                    // Each classify example's class id is its largest label, because every other label is -100.
                    weights = ClassifyObjective.BalancedWeights(data.Train.Examples.Select(e => e.Labels.Max()).ToList(), labels.Count);
                    logger.LogInformation("Balanced class weights: {Weights}",
                        string.Join(", ", labels.Zip(weights, (label, w) => $"{label} {w:0.###}")));
                }
                return new AttachedMechanism(dir => HeadModel.Save(model, head, dir), null, new ClassifyObjective(head, weights), head);
            }
            case MechanismKind.Prefix:
            {
                var encoder = PrefixModel.Attach(model, recipe.Prefix, recipe.Training.Seed);
                logger.LogInformation("Prefix tuning: {Tokens} virtual key/value positions in each of {Layers} layers{Projection}",
                    recipe.Prefix.NumVirtualTokens, model.Config.NumHiddenLayers,
                    recipe.Prefix.PrefixProjection ? $", trained through a tanh MLP of width {recipe.Prefix.EncoderHiddenSize ?? model.Config.HiddenSize}" : "");
                return new AttachedMechanism(dir => PrefixModel.Save(encoder, recipe.Prefix, dir), null, CausalLmObjective.Instance);
            }
            case MechanismKind.Subtuning:
            {
                var count = Math.Min(recipe.SubTuning.CalibrationExamples, train.Count);
                IReadOnlyList<LayerScore> scores;
                using (var calibration = train.Collate(Enumerable.Range(0, count).ToList()))
                    scores = SubTuningModel.Score(model, calibration, CausalLmObjective.Instance);
                var chosen = SubTuningModel.Choose(scores, recipe.SubTuning.TopK);
                SubTuningModel.Unfreeze(model, chosen);
                logger.LogInformation("SubTuning: gradient norm per layer on {Count} calibration examples: {Scores}; training layers {Chosen}",
                    count, string.Join(", ", scores.Select(s => $"{s.Layer}: {s.GradientNorm:G4}")), string.Join(", ", chosen));
                return new AttachedMechanism(dir => SubTuningModel.Save(model, chosen, scores, dir), null, CausalLmObjective.Instance);
            }
            case MechanismKind.DiffPruning:
            {
                var layers = DiffPruningModel.Attach(model, recipe.DiffPruning);
                long entries = layers.Sum(l => l.Layer.diff_weight.numel());
                long budget = layers.Sum(l => DiffPruningModel.Budget(l.Layer.diff_weight.numel(), 1 - recipe.DiffPruning.Sparsity));
                logger.LogInformation("Diff pruning on {Count} linears: δ has {Entries:N0} entries, of which at most {Budget:N0} stay nonzero (sparsity {Sparsity}, reached after {Ramp:P0} of the steps)",
                    layers.Count, entries, budget, recipe.DiffPruning.Sparsity, recipe.DiffPruning.RampFraction);
                return new AttachedMechanism(dir => DiffPruningModel.Save(model, recipe.DiffPruning, dir),
                    DiffPruningModel.PruningHook(layers, recipe.DiffPruning), CausalLmObjective.Instance);
            }
            default:
                throw new InvalidOperationException($"Mechanism {recipe.Mechanism} has no setup here.");
        }
    }
}
