using System.Text.Json.Nodes;
using SharpTune.Mechanisms.Lora;
using SharpTune.Models;
using SharpTune.Models.Safetensors;
using static TorchSharp.torch;

namespace SharpTune.Tests.Mechanisms;

/// <summary>Adapters in Hugging Face PEFT's exact file layout load into SharpTune, and SharpTune's saves use PEFT's names.</summary>
public sealed class PeftInterchangeTests : IDisposable
{
    // adapter_config.json as PEFT 0.13 save_pretrained writes it (sorted keys, two-space indent).
    const string PeftConfig = """
        {
          "alpha_pattern": {},
          "auto_mapping": null,
          "base_model_name_or_path": "stories260k",
          "bias": "none",
          "fan_in_fan_out": false,
          "inference_mode": true,
          "init_lora_weights": true,
          "layer_replication": null,
          "layers_pattern": null,
          "layers_to_transform": null,
          "loftq_config": {},
          "lora_alpha": 32,
          "lora_dropout": 0.05,
          "megatron_config": null,
          "megatron_core": "megatron.core",
          "modules_to_save": null,
          "peft_type": "LORA",
          "r": 4,
          "rank_pattern": {},
          "revision": null,
          "target_modules": [
            "v_proj",
            "q_proj"
          ],
          "task_type": "CAUSAL_LM",
          "use_dora": false,
          "use_rslora": false
        }
        """;

    const int Rank = 4;
    const double Scale = 32.0 / Rank;
    static readonly long[] InputIds = [1, 403, 407, 261, 378, 432, 383, 286];

    readonly string _dir = TestPaths.NewTempDir("sharptune-peft");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>PEFT's tensor names for stories260k's q/v projections: 5 layers, A and B each.</summary>
    static IEnumerable<string> PeftNames() =>
        from layer in Enumerable.Range(0, 5)
        from module in new[] { "q_proj", "v_proj" }
        from part in new[] { "lora_A", "lora_B" }
        select $"base_model.model.model.layers.{layer}.self_attn.{module}.{part}.weight";

    /// <summary>Writes a PEFT-layout adapter with small fixed values: A is [r, in], B is [out, r].</summary>
    Dictionary<string, Tensor> WritePeftAdapter()
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var name in PeftNames())
        {
            long outFeatures = name.Contains("q_proj") ? 64 : 32; // 8 heads × 8, 4 KV heads × 8
            long[] shape = name.Contains("lora_A") ? [Rank, 64] : [outFeatures, Rank];
            long count = shape[0] * shape[1];
            tensors[name] = sin(arange(count, dtype: ScalarType.Float32) * 0.37 + name.Length).mul(0.05).reshape(shape);
        }
        SafetensorsWriter.Save(Path.Combine(_dir, "adapter_model.safetensors"), tensors);
        File.WriteAllText(Path.Combine(_dir, "adapter_config.json"), PeftConfig);
        return tensors;
    }

    [Fact]
    public void Peft_adapter_loads_weights()
    {
        var written = WritePeftAdapter();
        using var model = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);

        PeftAdapter.Load(model, _dir);
        var layer = LoraModel.Layers(model).Single(l => l.Path == "model.layers.2.self_attn.v_proj").Layer;

        Assert.Equal(written["base_model.model.model.layers.2.self_attn.v_proj.lora_A.weight"].data<float>().ToArray(),
            layer.lora_A.weight!.data<float>().ToArray());
        Assert.Equal(written["base_model.model.model.layers.2.self_attn.v_proj.lora_B.weight"].data<float>().ToArray(),
            layer.lora_B.weight!.data<float>().ToArray());
    }

    [Fact]
    public void Peft_adapter_applies_scaled_update()
    {
        var written = WritePeftAdapter();
        using var adapted = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
        PeftAdapter.Load(adapted, _dir);

        // Reference: the base model with W + (lora_alpha / r) B A written into q_proj and v_proj by hand.
        using var reference = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
        using (no_grad())
        {
            var parameters = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var layer in Enumerable.Range(0, 5))
                foreach (var module in new[] { "q_proj", "v_proj" })
                {
                    var prefix = $"model.layers.{layer}.self_attn.{module}";
                    var b = written[$"base_model.model.{prefix}.lora_B.weight"];
                    var a = written[$"base_model.model.{prefix}.lora_A.weight"];
                    parameters[$"{prefix}.weight"].add_(b.matmul(a).mul(Scale));
                }
        }
        adapted.eval();
        using var input = tensor(InputIds).unsqueeze(0);

        using var expected = reference.Forward(input);
        using var actual = adapted.Forward(input);

        Assert.True(actual.allclose(expected, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Saved_adapter_uses_peft_names()
    {
        WritePeftAdapter();
        using var model = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
        var options = PeftAdapter.Load(model, _dir);
        var saved = Path.Combine(_dir, "saved");

        PeftAdapter.Save(model, options, saved, "stories260k");
        using var reader = SafetensorsReader.Open(Path.Combine(saved, "adapter_model.safetensors"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(saved, "adapter_config.json")))!;

        Assert.Equal(PeftNames().Order(), reader.Names.Order());
        Assert.Equal("LORA", config["peft_type"]!.GetValue<string>());
        Assert.Equal("CAUSAL_LM", config["task_type"]!.GetValue<string>());
        Assert.Equal(4, config["r"]!.GetValue<int>());
        Assert.Equal(32.0, config["lora_alpha"]!.GetValue<double>());
        Assert.Equal(["v_proj", "q_proj"], config["target_modules"]!.AsArray().Select(t => t!.GetValue<string>()));
    }

    [Theory]
    [InlineData("\"layers_to_transform\": null", "\"layers_to_transform\": [0, 1]", "layers_to_transform")]
    [InlineData("\"bias\": \"none\"", "\"bias\": \"all\"", "bias")]
    [InlineData("\"alpha_pattern\": {}", "\"alpha_pattern\": {\"q_proj\": 8}", "alpha_pattern")]
    [InlineData("\"modules_to_save\": null", "\"modules_to_save\": [\"lm_head\"]", "modules_to_save")]
    public void Unsupported_setting_rejected(string original, string replacement, string field)
    {
        WritePeftAdapter();
        var path = Path.Combine(_dir, "adapter_config.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace(original, replacement));

        var error = Assert.Throws<SharpTuneInputException>(() => PeftAdapter.ReadOptions(_dir));

        Assert.Contains(field, error.Message);
    }
}
