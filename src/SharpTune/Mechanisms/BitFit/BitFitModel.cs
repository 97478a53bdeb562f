using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.BitFit;

/// <summary>What <see cref="BitFitModel.Attach"/> did: biases that existed and biases it added at zero.</summary>
public sealed record BitFitAttachment(IReadOnlyList<string> ExistingBiases, IReadOnlyList<string> AddedBiases);

/// <summary>
/// Freezes everything except the bias vectors of the target linears. Llama-family projections have no bias, so
/// BitFit there adds a zero bias to each target, which leaves the outputs unchanged until training moves it.
/// </summary>
public static class BitFitModel
{
    public const string Name = "bitfit";

    public static BitFitAttachment Attach(nn.Module model, BitFitOptions options)
    {
        var targets = ProjectionTargets.Find(model, options.TargetModules, "bitfit.target_modules");
        MechanismArtifact.FreezeAll(model);

        var existing = new List<string>();
        var added = new List<string>();
        foreach (var (path, host, name) in targets)
        {
            if (host.GetProjection(name) is not Linear linear)
                throw new SharpTuneInputException($"bitfit.target_modules: {path} is already wrapped by another mechanism; BitFit needs a plain linear layer");
            if (linear.bias is null)
            {
                var weight = linear.weight!;
                linear.bias = new Parameter(zeros(weight.shape[0], dtype: weight.dtype, device: weight.device));
                added.Add($"{path}.bias");
            }
            else
            {
                existing.Add($"{path}.bias");
            }
            linear.bias!.requires_grad = true;
        }
        return new BitFitAttachment(existing, added);
    }

    /// <summary>Writes the trained biases and the target list.</summary>
    public static void Save(nn.Module model, BitFitOptions options, string dir) =>
        MechanismArtifact.Save(dir, Name, Settings(options), MechanismArtifact.TrainableParameters(model));

    public static JsonObject Settings(BitFitOptions options) => new()
    {
        ["target_modules"] = new JsonArray(options.TargetModules.Select(t => (JsonNode)t!).ToArray()),
    };

    /// <summary>Adds the biases (at zero where the model has none) and loads their trained values.</summary>
    public static void Load(nn.Module model, string dir)
    {
        var config = MechanismArtifact.ReadConfig(dir);
        var options = new BitFitOptions { TargetModules = MechanismArtifact.RequiredNames(config, dir, "target_modules") };
        Attach(model, options);
        MechanismArtifact.LoadParameters(dir, MechanismArtifact.TrainableParameters(model));
    }
}
