using System.Text.Json.Nodes;
using SharpTune.Data;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.SubTuning;

/// <summary>A decoder layer's importance: the L2 norm of the loss gradient over all of the layer's parameters.</summary>
public sealed record LayerScore(int Layer, double GradientNorm);

/// <summary>
/// Scores every decoder layer on a calibration batch and unfreezes the top-k, leaving embeddings, final norm and the
/// other layers frozen. The gradient norm replaces the per-layer fine-tuning gain that Kaplun et al. (2023) measure, because it needs one
/// backward pass instead of one short training run per layer.
/// </summary>
public static class SubTuningModel
{
    public const string Name = "subtuning";

    /// <summary>Returns each layer's gradient norm for the mean loss of <paramref name="calibration"/>, in layer order.</summary>
    public static IReadOnlyList<LayerScore> Score(LlamaForCausalLM model, Batch calibration, ITrainingObjective objective)
    {
        var layerParameters = model.model.layers.Select(layer => layer.parameters().ToList()).ToList();
        foreach (var parameter in model.parameters())
            parameter.requires_grad = false;
        foreach (var parameter in layerParameters.SelectMany(p => p))
            parameter.requires_grad = true;

        bool wasTraining = model.training;
        model.eval();
        try
        {
            using (var scope = NewDisposeScope())
            {
                var loss = objective.LossSum(model, calibration) / Math.Max(1, objective.TermCount(calibration));
                loss.backward();
            }
            var scores = new List<LayerScore>();
            for (int i = 0; i < layerParameters.Count; i++)
            {
                using var scope = NewDisposeScope();
                var squares = layerParameters[i].Select(p => p.grad is null ? zeros(1) : p.grad.to(ScalarType.Float32).pow(2).sum());
                scores.Add(new LayerScore(i, stack(squares.ToArray()).sum().sqrt().item<float>()));
            }
            return scores;
        }
        finally
        {
            foreach (var parameter in layerParameters.SelectMany(p => p))
            {
                parameter.grad?.Dispose();
                parameter.grad = null;
                parameter.requires_grad = false;
            }
            model.train(wasTraining);
        }
    }

    /// <summary>The <paramref name="topK"/> layers with the highest scores, in layer order.</summary>
    public static IReadOnlyList<int> Choose(IReadOnlyList<LayerScore> scores, int topK)
    {
        if (topK > scores.Count)
            throw new SharpTuneInputException($"subtuning.top_k: {topK} is more than the model's {scores.Count} layers; set at most {scores.Count}");
        return scores.OrderByDescending(s => s.GradientNorm).Take(topK).Select(s => s.Layer).Order().ToList();
    }

    /// <summary>Freezes everything, then unfreezes every parameter of the given decoder layers.</summary>
    public static void Unfreeze(LlamaForCausalLM model, IReadOnlyList<int> layers)
    {
        MechanismArtifact.FreezeAll(model);
        foreach (var layer in layers)
        {
            if (layer < 0 || layer >= model.model.layers.Count)
                throw new SharpTuneInputException($"subtuning: layer {layer} does not exist in a model with {model.model.layers.Count} layers");
            foreach (var parameter in model.model.layers[layer].parameters())
                parameter.requires_grad = true;
        }
    }

    public static void Save(LlamaForCausalLM model, IReadOnlyList<int> layers, IReadOnlyList<LayerScore> scores, string dir)
    {
        var settings = new JsonObject
        {
            ["layers"] = new JsonArray(layers.Select(l => (JsonNode)l).ToArray()),
            ["gradient_norms"] = new JsonArray(scores.Select(s => (JsonNode)s.GradientNorm).ToArray()),
        };
        MechanismArtifact.Save(dir, Name, settings, MechanismArtifact.TrainableParameters(model));
    }

    public static void Load(LlamaForCausalLM model, string dir)
    {
        var config = MechanismArtifact.ReadConfig(dir);
        if (config["layers"] is not JsonArray array)
            throw SharpTuneInputException.At(Path.Combine(dir, AdapterFolder.ConfigFile), null, "layers", "missing or not a list; the artifact is damaged, so train it again");
        Unfreeze(model, array.Select(n => n!.GetValue<int>()).ToList());
        MechanismArtifact.LoadParameters(dir, MechanismArtifact.TrainableParameters(model));
    }
}
