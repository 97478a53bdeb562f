using System.Text.Json.Nodes;
using SharpTune.Mechanisms.Lora;
using SharpTune.Models;
using SharpTune.Models.Llama;
using static TorchSharp.torch;

namespace SharpTune.Tests.Models.Families;

/// <summary>
/// Qwen3 and Gemma switches on small random models, checked through properties that hold by construction,
/// because no reference checkpoint of these families is available here. Also LoRA target names per family
/// and the error for an unsupported architecture.
/// </summary>
public sealed class FamilySwitchTests
{
    static ModelConfig Config(string architecture, string modelType, string extra = "", int layers = 2)
    {
        var json = JsonNode.Parse($$"""
            {"architectures": ["{{architecture}}"], "model_type": "{{modelType}}", "hidden_size": 64, "intermediate_size": 96,
             "num_hidden_layers": {{layers}}, "num_attention_heads": 4, "num_key_value_heads": 4, "head_dim": 16,
             "vocab_size": 50, "max_position_embeddings": 64, "rms_norm_eps": 1e-6 {{extra}}}
            """)!.AsObject();
        return ModelConfig.Parse(json, "config.json");
    }

    static Tensor Ids() => tensor(new long[] { 3, 17, 5, 42, 8, 1 }).unsqueeze(0);

    [Fact]
    public void Qwen3QkNorm_CancelsQueryScale()
    {
        // Per-head RMSNorm on q and k makes attention independent of the scale of q_proj and k_proj.
        var model = PretrainedModel.CreateRandom(Config("Qwen3ForCausalLM", "qwen3"), ScalarType.Float32, CPU, seed: 7);
        using var guard = no_grad();
        var before = model.Forward(Ids());
        foreach (var (name, parameter) in model.named_parameters())
            if (name.EndsWith("q_proj.weight") || name.EndsWith("k_proj.weight"))
                parameter.mul_(5.0);

        var after = model.Forward(Ids());

        Assert.True(before.allclose(after, rtol: 0, atol: 1e-4));
    }

    [Fact]
    public void Qwen3_HasHeadDimQkNorms()
    {
        var model = PretrainedModel.CreateRandom(Config("Qwen3ForCausalLM", "qwen3"), ScalarType.Float32, CPU, seed: 7);
        var shapes = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);

        Assert.Equal(new long[] { 16 }, shapes["model.layers.0.self_attn.q_norm.weight"]);
        Assert.Equal(new long[] { 16 }, shapes["model.layers.1.self_attn.k_norm.weight"]);
    }

    [Fact]
    public void GemmaNorm_UsesOnePlusWeight()
    {
        // x = [3, 4]: rms = sqrt(12.5), so x / rms = [0.848528, 1.131371]; weights [0, 1] give factors 1 and 2.
        var norm = new RmsNorm(2, 0.0, ScalarType.Float32, offsetOne: true);
        using (no_grad())
            norm.weight.copy_(tensor(new float[] { 0, 1 }));

        var output = norm.forward(tensor(new float[] { 3, 4 }));

        Assert.Equal(0.848528, output[0].item<float>(), 5);
        Assert.Equal(2 * 1.131371, output[1].item<float>(), 5);
    }

    [Fact]
    public void Gemma2_AlternatesSlidingLayers()
    {
        var config = Config("Gemma2ForCausalLM", "gemma2", """, "sliding_window": 4""");

        Assert.Equal(4, config.LayerSlidingWindow(0));
        Assert.Null(config.LayerSlidingWindow(1));
    }

    [Fact]
    public void Gemma2_DefaultsFollowTransformers()
    {
        var config = Config("Gemma2ForCausalLM", "gemma2");

        Assert.Equal(50.0, config.AttnLogitSoftcapping);
        Assert.Equal(30.0, config.FinalLogitSoftcapping);
        Assert.Equal(4096, config.SlidingWindow);
        Assert.Equal(1.0 / 16, config.AttentionScale); // query_pre_attn_scalar 256
    }

    [Fact]
    public void Gemma3_EverySixthLayerGlobal()
    {
        var config = Config("Gemma3ForCausalLM", "gemma3_text", """, "sliding_window": 4""", layers: 6);

        Assert.Equal([true, true, true, true, true, false], config.SlidingLayers);
        Assert.True(config.UsesLocalRope(0));
        Assert.False(config.UsesLocalRope(5));
    }

    [Fact]
    public void Gemma2FinalSoftcap_IsScaledTanh()
    {
        // The same seed gives the same weights with and without the cap, so capped = 0.5 · tanh(raw / 0.5).
        var capped = PretrainedModel.CreateRandom(
            Config("Gemma2ForCausalLM", "gemma2", """, "final_logit_softcapping": 0.5"""), ScalarType.Float32, CPU, seed: 3);
        var plain = PretrainedModel.CreateRandom(
            Config("Gemma2ForCausalLM", "gemma2", """, "final_logit_softcapping": null"""), ScalarType.Float32, CPU, seed: 3);
        using var guard = no_grad();

        var raw = plain.Forward(Ids());
        var logits = capped.Forward(Ids());

        Assert.True(raw.abs().max().item<float>() > 0.1f);
        Assert.True(logits.allclose((raw / 0.5).tanh() * 0.5, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Gemma2Embedding_ScaledBySqrtHidden()
    {
        // With o_proj and down_proj zero both branches add nothing, so layer 0 outputs embedding · sqrt(64) = 8 ×.
        var model = PretrainedModel.CreateRandom(Config("Gemma2ForCausalLM", "gemma2"), ScalarType.Float32, CPU, seed: 3);
        using var guard = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
            if (name.EndsWith("o_proj.weight") || name.EndsWith("down_proj.weight"))
                parameter.zero_();
        var recorder = new FirstLayerRecorder();
        model.model.HiddenStateHook = recorder;

        model.Forward(Ids());
        var expected = model.model.embed_tokens.weight!.index_select(0, Ids()[0]) * 8.0;

        Assert.True(recorder.Hidden![0].allclose(expected, rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void Gemma2AttnSoftcap_TinyCapAveragesValues()
    {
        // With cap 1e-6 every score is nearly 0, so causal attention at position t averages v_0 .. v_t.
        var config = Config("Gemma2ForCausalLM", "gemma2", """, "attn_logit_softcapping": 1e-6""");
        var attention = new LlamaAttention(config, ScalarType.Float32);
        using var guard = no_grad();
        var x = randn(1, 5, 64, generator: new Generator(11));
        var positions = arange(5).unsqueeze(0);
        var (cos, sin) = RotaryEmbedding.Tables(positions, config, ScalarType.Float32);

        var output = attention.Forward(x, cos, sin, AttentionMask.Build(5, 0, null, null, CPU), null, 0);
        var values = attention.GetProjection("v_proj").forward(x);                          // [1, 5, 64]
        var counts = arange(1, 6, dtype: ScalarType.Float32).unsqueeze(-1);
        var averaged = values[0].cumsum(0) / counts;                                        // [5, 64]
        var expected = attention.GetProjection("o_proj").forward(averaged.unsqueeze(0));

        Assert.True(output.allclose(expected, rtol: 0, atol: 1e-4));
    }

    [Fact]
    public void LoraTargets_FollowPhi3Names()
    {
        var model = PretrainedModel.Load(FamilyExpectations.Dir("phi3"), ScalarType.Float32, CPU);

        var attached = LoraModel.Attach(model, new LoraOptions { R = 2, TargetModules = ["qkv_proj", "gate_up_proj"] }, seed: 1);

        Assert.Contains("model.layers.0.self_attn.qkv_proj", attached);
        Assert.Contains("model.layers.1.mlp.gate_up_proj", attached);
        Assert.Equal(4, attached.Count);
    }

    [Fact]
    public void LoraTargets_FollowGpt2Names()
    {
        var model = PretrainedModel.Load(FamilyExpectations.Dir("gpt2"), ScalarType.Float32, CPU);
        using var guard = no_grad();
        var before = model.Forward(Ids());

        var attached = LoraModel.Attach(model, new LoraOptions { R = 2, TargetModules = ["c_attn", "c_proj", "c_fc"] }, seed: 1);
        var after = model.Forward(Ids());

        Assert.Contains("transformer.h.0.attn.c_proj", attached);
        Assert.Contains("transformer.h.0.mlp.c_proj", attached);
        Assert.Equal(8, attached.Count);
        Assert.True(before.allclose(after, rtol: 0, atol: 1e-6)); // LoRA B starts at zero
    }

    [Fact]
    public void LoraTargets_RejectLlamaNameOnGpt2()
    {
        var model = PretrainedModel.Load(FamilyExpectations.Dir("gpt2"), ScalarType.Float32, CPU);

        var error = Assert.Throws<SharpTuneInputException>(() =>
            LoraModel.Attach(model, new LoraOptions { R = 2, TargetModules = ["q_proj"] }, seed: 1));

        Assert.Contains("c_attn", error.Message);
    }

    [Fact]
    public void Gpt2PeftAdapter_RoundTripsWithFanInFanOut()
    {
        // PEFT marks adapters on GPT-2's Conv1D layers with fan_in_fan_out; lora_A and lora_B keep the linear layout.
        var dir = TestPaths.NewTempDir();
        var trained = PretrainedModel.Load(FamilyExpectations.Dir("gpt2"), ScalarType.Float32, CPU);
        var options = new LoraOptions { R = 2, TargetModules = ["c_attn", "c_fc"] };
        LoraModel.Attach(trained, options, seed: 1);
        using (no_grad())
            foreach (var (_, layer) in LoraModel.Layers(trained))
                layer.lora_B.weight!.normal_(0.0, 0.1);
        PeftAdapter.Save(trained, options, dir, null);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "adapter_config.json")))!;

        var reloaded = PretrainedModel.Load(FamilyExpectations.Dir("gpt2"), ScalarType.Float32, CPU);
        PeftAdapter.Load(reloaded, dir);
        using var guard = no_grad();

        Assert.True(config["fan_in_fan_out"]!.GetValue<bool>());
        Assert.True(trained.Forward(Ids()).allclose(reloaded.Forward(Ids()), rtol: 0, atol: 1e-6));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void UnsupportedArchitecture_ListsSupported()
    {
        var json = JsonNode.Parse("""{"architectures": ["FalconForCausalLM"], "model_type": "falcon"}""")!.AsObject();

        var error = Assert.Throws<SharpTuneInputException>(() => ModelConfig.Parse(json, "config.json"));

        Assert.Contains("FalconForCausalLM", error.Message);
        Assert.Contains("Phi3ForCausalLM", error.Message);
        Assert.Contains("Gemma2ForCausalLM", error.Message);
    }

    [Fact]
    public void UnsupportedRopeType_IsRejected()
    {
        var error = Assert.Throws<SharpTuneInputException>(() =>
            Config("LlamaForCausalLM", "llama", """, "rope_scaling": {"rope_type": "longrope", "factor": 2.0}"""));

        Assert.Contains("longrope", error.Message);
    }

    sealed class FirstLayerRecorder : IHiddenStateHook
    {
        public Tensor? Hidden { get; private set; }

        public Tensor AfterLayer(int layer, Tensor hidden, PromptPositions? positions)
        {
            if (layer == 0)
                Hidden = hidden.detach().clone().DetachFromDisposeScope();
            return hidden;
        }
    }
}
