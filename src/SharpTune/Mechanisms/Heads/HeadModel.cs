using System.Text.Json.Nodes;
using SharpTune.Models.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Heads;

/// <summary>
/// Attaches a classification head to a frozen model as the child module <c>score</c> (the name transformers'
/// <c>LlamaForSequenceClassification</c> uses), so the trainer, the parameter count and the artifact see it.
/// </summary>
public static class HeadModel
{
    public const string Name = "head";
    public const string ModuleName = "score";

    public static ClassificationHead Attach(LlamaForCausalLM model, HeadOptions options, IReadOnlyList<string> labels, long seed)
    {
        MechanismArtifact.FreezeAll(model);
        var saved = torch.random.get_rng_state();
        torch.random.manual_seed(seed);
        ClassificationHead head;
        try
        {
            head = new ClassificationHead(options, model.Config.HiddenSize, labels, model.DType, model.Device);
        }
        finally
        {
            torch.random.set_rng_state(saved);
            saved.Dispose();
        }
        model.register_module(ModuleName, head);
        return head;
    }

    /// <summary>Returns the head attached to <paramref name="model"/>, or null.</summary>
    public static ClassificationHead? Find(LlamaForCausalLM model) =>
        model.named_children().Where(c => c.name == ModuleName).Select(c => c.module).OfType<ClassificationHead>().FirstOrDefault();

    public static void Save(LlamaForCausalLM model, ClassificationHead head, string dir)
    {
        var settings = new JsonObject
        {
            ["kind"] = ToSnakeCase(head.Options.Kind.ToString()),
            ["pooling"] = head.Options.Pooling.ToString().ToLowerInvariant(),
            ["hidden_size"] = head.Options.HiddenSize,
            ["num_layers"] = head.Options.NumLayers,
            ["labels"] = new JsonArray(head.Labels.Select(l => (JsonNode)l!).ToArray()),
        };
        MechanismArtifact.Save(dir, Name, settings, MechanismArtifact.TrainableParameters(model));
    }

    public static void Load(LlamaForCausalLM model, string dir)
    {
        var config = MechanismArtifact.ReadConfig(dir);
        var path = Path.Combine(dir, AdapterFolder.ConfigFile);
        var kind = MechanismArtifact.Required<string>(config, dir, "kind");
        var pooling = MechanismArtifact.Required<string>(config, dir, "pooling");
        var options = new HeadOptions
        {
            Kind = Enum.TryParse<HeadKind>(kind.Replace("_", ""), ignoreCase: true, out var k) ? k
                : throw SharpTuneInputException.At(path, null, "kind", $"'{kind}' is not one of: linear_probe, mlp_head, projection_head"),
            Pooling = Enum.TryParse<HeadPooling>(pooling, ignoreCase: true, out var p) ? p
                : throw SharpTuneInputException.At(path, null, "pooling", $"'{pooling}' is not one of: last, mean, first"),
            HiddenSize = config["hidden_size"]?.GetValue<int>(),
            NumLayers = MechanismArtifact.Required<int>(config, dir, "num_layers"),
        };
        Attach(model, options, MechanismArtifact.RequiredNames(config, dir, "labels"), seed: 0);
        MechanismArtifact.LoadParameters(dir, MechanismArtifact.TrainableParameters(model));
    }

    /// <summary>Writes an enum member such as <c>LinearProbe</c> as <c>linear_probe</c>.</summary>
    public static string ToSnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
