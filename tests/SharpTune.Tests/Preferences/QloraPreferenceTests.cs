using Microsoft.Extensions.Logging.Abstractions;
using SharpTune.Mechanisms.Lora;
using SharpTune.Mechanisms.Qlora;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using SharpTune.Precision;
using SharpTune.Recipes;
using SharpTune.Training;
using static SharpTune.Tests.Preferences.PreferenceMaterial;
using static SharpTune.Tests.Training.TrainingMaterial;
using static TorchSharp.torch;

namespace SharpTune.Tests.Preferences;

/// <summary>DPO and the other preference objectives with LoRA on a quantized base (mechanism qlora, precision nf4/int8).</summary>
[Collection(Training.TrainingCollection.Name)]
public sealed class QloraPreferenceTests : IDisposable
{
    readonly string dir = TestPaths.NewTempDir("sharptune-qlora-pref");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static Dictionary<string, byte[]> StoredBytes(LlamaForCausalLM model) =>
        QloraModel.QuantizedLayers(model)
            .SelectMany(l => l.Layer.Weight.StoredTensors.Select(t => ($"{l.Path}.{t.Name}", t.Tensor.bytes.ToArray())))
            .ToDictionary(p => p.Item1, p => p.Item2);

    [Fact]
    public void QloraDpoRun_StartsAtLn2AndWritesQuantizedAdapter()
    {
        var recipe = PreferenceRecipes.Parse(dir, "dpo", "qlora");

        var records = PreferenceRecipes.Run(recipe);

        // The adapter-disabled reference is the same quantized base the policy runs on, and LoRA's B starts at 0.
        Assert.Equal(Math.Log(2), records[0]["loss"]!.GetValue<double>(), 1e-6);
        Assert.True(File.Exists(Path.Combine(dir, "run", "adapter", "adapter_model.safetensors")));
        Assert.Equal("nf4", QuantizedBaseRecord.Read(Path.Combine(dir, "run", "adapter"))!.Name);
    }

    [Theory]
    [InlineData("orpo", "qlora", "fp32", "nf4")]
    [InlineData("simpo", "lora", "fp4", "fp4")]
    [InlineData("reward", "lora", "int8", "int8")]
    public void OtherObjectives_TrainAdapterOnQuantizedBase(string objective, string mechanism, string precision, string stored)
    {
        var records = PreferenceRecipes.Run(PreferenceRecipes.Parse(dir, objective, mechanism, steps: 2, precision: precision));
        var adapter = Path.Combine(dir, "run", "adapter");

        Assert.All(records, r => Assert.True(double.IsFinite(r["loss"]!.GetValue<double>())));
        Assert.True(File.Exists(Path.Combine(adapter, "adapter_model.safetensors")));
        Assert.Equal(stored, QuantizedBaseRecord.Read(adapter)!.Name);
        Assert.Equal(objective == "reward", File.Exists(Path.Combine(adapter, PolicyArtifact.ValueHeadFile)));
    }

    [Fact]
    public void QloraDpoTraining_LeavesFourBitBaseBitwiseUnchanged()
    {
        var recipe = PreferenceRecipes.Parse(dir, "dpo", "qlora", steps: 3);
        using var tokenizer = LoadTokenizer();
        using var model = LoadModel();
        var policy = TrainablePolicy.Attach(model, recipe, tokenizer, NullLogger.Instance);
        var before = StoredBytes(model);

        var result = PreferenceRecipes.TrainDpo(model, recipe, Path.Combine(dir, "direct"));
        var after = StoredBytes(model);

        Assert.Equal(3, result.Steps);
        Assert.True(policy.FreezesBase);
        Assert.Equal(5 * 7, QloraModel.QuantizedLayers(model).Count());   // 5 layers × 7 projections
        foreach (var (name, bytes) in before)
            Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} changed");
        Assert.Contains(LoraModel.Layers(model), l => l.Layer.lora_B.weight!.abs().max().item<float>() > 0);
    }

    [Theory]
    [InlineData("qlora", "fp32")]
    [InlineData("lora", "int8")]
    public void AdapterDisabledReference_EqualsQuantizedBaseLogProbs(string mechanism, string precision)
    {
        var recipe = PreferenceRecipes.Parse(dir, "dpo", mechanism, precision: precision);
        using var batch = Source(Pairs(count: 2, maxLength: 96)).Collate([0, 1]);
        using var quantizedBase = LoadModel();
        QloraModel.Quantize(quantizedBase, RunPrecision.Base(recipe.Precision, recipe.Mechanism)!.Quantize);
        using var baseLogProbs = SequenceLogProbs.Sum(BatchForward.Logits(quantizedBase, batch), batch.Labels);
        using var fullPrecision = LoadModel();
        using var fullLogProbs = SequenceLogProbs.Sum(BatchForward.Logits(fullPrecision, batch), batch.Labels);
        using var tokenizer = LoadTokenizer();
        using var model = LoadModel();
        TrainablePolicy.Attach(model, recipe, tokenizer, NullLogger.Instance);
        using (no_grad())
            foreach (var (_, layer) in LoraModel.Layers(model))
                layer.lora_B.weight!.normal_(0, 0.5);

        using var reference = AdapterDisabledReference.Instance.LogProbs(model, batch);
        using var adapted = SequenceLogProbs.Sum(BatchForward.Logits(model, batch), batch.Labels);

        Assert.Equal(baseLogProbs.data<float>().ToArray(), reference.data<float>().ToArray());
        Assert.NotEqual(fullLogProbs.data<float>().ToArray(), reference.data<float>().ToArray());
        Assert.NotEqual(baseLogProbs.data<float>().ToArray(), adapted.data<float>().ToArray());
    }
}
