using System.Text.Json.Nodes;
using SharpTune.Models.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Prefix;

/// <summary>
/// Attaches a <see cref="PrefixEncoder"/> as the model's child <c>prefix_encoder</c> and to every layer's attention,
/// and freezes the rest. The artifact stores the final table (the reparameterisation's output, as PEFT saves it), so a
/// loaded prefix needs no MLP.
/// </summary>
public static class PrefixModel
{
    public const string Name = "prefix";
    public const string ModuleName = "prefix_encoder";
    const string TableName = "prefix_encoder.embedding";

    public static PrefixEncoder Attach(LlamaForCausalLM model, PrefixOptions options, long seed)
    {
        MechanismArtifact.FreezeAll(model);
        var saved = torch.random.get_rng_state();
        torch.random.manual_seed(seed);
        PrefixEncoder encoder;
        try
        {
            encoder = new PrefixEncoder(model.Config, options, model.DType, model.Device);
        }
        finally
        {
            torch.random.set_rng_state(saved);
            saved.Dispose();
        }
        model.register_module(ModuleName, encoder);
        foreach (var layer in model.model.layers)
            layer.self_attn.Prefix = encoder;
        return encoder;
    }

    public static void Save(PrefixEncoder encoder, PrefixOptions options, string dir)
    {
        using var guard = no_grad();
        using var table = encoder.Table().contiguous();
        var settings = new JsonObject
        {
            ["num_virtual_tokens"] = options.NumVirtualTokens,
            ["prefix_projection"] = options.PrefixProjection,
        };
        MechanismArtifact.Save(dir, Name, settings, new Dictionary<string, Tensor> { [TableName] = table });
    }

    public static void Load(LlamaForCausalLM model, string dir)
    {
        var config = MechanismArtifact.ReadConfig(dir);
        var options = new PrefixOptions { NumVirtualTokens = MechanismArtifact.Required<int>(config, dir, "num_virtual_tokens") };
        var encoder = Attach(model, options, seed: 0);
        MechanismArtifact.LoadParameters(dir, new Dictionary<string, Tensor> { [TableName] = encoder.embedding });
    }
}
