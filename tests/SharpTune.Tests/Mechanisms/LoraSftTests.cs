using SharpTune.Mechanisms.Lora;
using SharpTune.Models;
using SharpTune.Models.Llama;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpTune.Tests.Mechanisms;

/// <summary>
/// LoRA on a real model: training moves only the adapters and lowers the eval loss, an untrained adapter is the
/// identity, and merging (in memory, saved and reloaded) reproduces the adapter's logits.
/// </summary>
public sealed class LoraSftTests(LoraSftFixture fixture, ITestOutputHelper output) : IClassFixture<LoraSftFixture>
{
    const double LogitTolerance = 1e-4;

    /// <summary>stories260k has 5 layers with 7 adapted projections each.</summary>
    const int AdaptedLayers = 5 * 7;

    static bool IsLora(string name) => name.Contains(".lora_A.") || name.Contains(".lora_B.");

    /// <summary>Maps a wrapped module's parameter name back to the checkpoint name.</summary>
    static string BaseName(string name) => name.Replace(".base_layer.", ".");

    static double MaxDifference(Tensor a, Tensor b)
    {
        using var difference = (a - b).abs().max();
        return difference.item<float>();
    }

    LlamaForCausalLM LoadWithAdapter()
    {
        var model = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
        PeftAdapter.Load(model, fixture.AdapterDir);
        return model;
    }

    [Fact]
    public void Training_LowersEvalLoss()
    {
        output.WriteLine($"eval loss before {fixture.EvalLossBefore:F4}, after {fixture.EvalLossAfter:F4}; " +
            $"training took {fixture.TrainingTime.TotalSeconds:F1} s on {fixture.ExampleCounts.Train} training and " +
            $"{fixture.ExampleCounts.Eval} eval examples");

        Assert.True(fixture.EvalLossAfter < fixture.EvalLossBefore,
            $"eval loss went from {fixture.EvalLossBefore} to {fixture.EvalLossAfter}");
    }

    [Fact]
    public void Training_KeepsBaseWeightsBitwise()
    {
        var trainedBase = fixture.TrainedBytes.Where(p => !IsLora(p.Key)).ToDictionary(p => BaseName(p.Key), p => p.Value);

        Assert.Equal(fixture.BaseBytes.Keys.Order(), trainedBase.Keys.Order());
        var changed = fixture.BaseBytes.Keys.Where(name => !fixture.BaseBytes[name].AsSpan().SequenceEqual(trainedBase[name])).ToList();
        Assert.Empty(changed);
    }

    [Fact]
    public void Training_ChangesEveryLoraB()
    {
        var loraB = fixture.AttachedBytes.Keys.Where(name => name.EndsWith(".lora_B.weight")).ToList();

        Assert.Equal(AdaptedLayers, loraB.Count);
        var unchanged = loraB.Where(name => fixture.AttachedBytes[name].AsSpan().SequenceEqual(fixture.TrainedBytes[name])).ToList();
        Assert.Empty(unchanged);
    }

    [Fact]
    public void Training_ChangesOnlyLoraTensors()
    {
        var changedNonLora = fixture.AttachedBytes.Keys
            .Where(name => !IsLora(name))
            .Where(name => !fixture.AttachedBytes[name].AsSpan().SequenceEqual(fixture.TrainedBytes[name]))
            .ToList();

        Assert.Empty(changedNonLora);
    }

    [Fact]
    public void Attach_FreezesAllButLora()
    {
        var trainable = fixture.Model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();

        Assert.Equal(2 * AdaptedLayers, trainable.Count);
        Assert.All(trainable, name => Assert.True(IsLora(name), name));
    }

    [Fact]
    public void UntrainedAdapter_GivesBaseLogitsExactly()
    {
        Assert.True(fixture.UntrainedAdapterLogits.Equals(fixture.BaseLogits));
    }

    [Fact]
    public void TrainedAdapter_ChangesLogits()
    {
        // Without this the merge checks below would also pass for an adapter that does nothing.
        Assert.InRange(MaxDifference(fixture.TrainedAdapterLogits, fixture.BaseLogits), 1e-2, double.MaxValue);
    }

    [Fact]
    public void AdapterSaveLoad_GivesTrainedLogits()
    {
        using var model = LoadWithAdapter();
        using var logits = LoraSftFixture.Logits(model);

        Assert.True(logits.Equals(fixture.TrainedAdapterLogits));
    }

    [Fact]
    public void Merge_MatchesAdapterLogits()
    {
        using var model = LoadWithAdapter();
        int merged = LoraModel.Merge(model);
        using var logits = LoraSftFixture.Logits(model);

        double difference = MaxDifference(logits, fixture.TrainedAdapterLogits);
        output.WriteLine($"merged vs adapter: max |logit difference| = {difference:E3}");
        Assert.Equal(AdaptedLayers, merged);
        Assert.Empty(LoraModel.Layers(model));
        Assert.InRange(difference, 0, LogitTolerance);
    }

    [Fact]
    public void Merge_KeepsCheckpointNames()
    {
        using var model = LoadWithAdapter();
        LoraModel.Merge(model);

        Assert.Equal(fixture.BaseBytes.Keys.Order(), model.named_parameters().Select(p => p.name).Order());
    }

    [Fact]
    public void MergedSaveLoad_MatchesAdapterLogits()
    {
        var dir = TestPaths.NewTempDir("sharptune-merged");
        try
        {
            using (var model = LoadWithAdapter())
            {
                LoraModel.Merge(model);
                PretrainedModel.Save(model, dir, TestPaths.Stories260k);
            }
            using var reloaded = PretrainedModel.Load(dir, ScalarType.Float32, CPU);
            using var logits = LoraSftFixture.Logits(reloaded);

            double difference = MaxDifference(logits, fixture.TrainedAdapterLogits);
            output.WriteLine($"saved merged model vs adapter: max |logit difference| = {difference:E3}");
            Assert.InRange(difference, 0, LogitTolerance);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
