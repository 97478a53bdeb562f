using SharpTune.Models;
using SharpTune.Planning;
using SharpTune.Planning.Presets;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Tests.Planning;

/// <summary>Parameter counts of the presets and of a loaded model, against published and measured totals.</summary>
public class ModelShapeTests
{
    // Totals as the Hugging Face model cards and PEFT's print_trainable_parameters report them.
    [Theory]
    [InlineData("llama-2-7b", 6_738_415_616L)]
    [InlineData("llama-3-8b", 8_030_261_248L)]
    [InlineData("llama-3-70b", 70_553_706_496L)]
    [InlineData("mistral-7b", 7_241_732_096L)]
    [InlineData("qwen2.5-0.5b", 494_032_768L)]
    [InlineData("bert-base-uncased", 109_482_240L)]
    public void PresetTotalMatchesPublished(string preset, long expected)
    {
        Assert.Equal(expected, ModelPresets.Find(preset)!.TotalParameters);
    }

    [Fact]
    public void ConfigTotalMatchesLoadedModel()
    {
        var shape = ModelResolver.Resolve(TestPaths.Stories260k);
        using var model = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);

        long loaded = model.parameters().Sum(p => p.numel());

        Assert.Equal(loaded, shape.TotalParameters);
    }

    [Fact]
    public void ConfigFilePathResolves()
    {
        var shape = ModelResolver.Resolve(Path.Combine(TestPaths.Stories260k, "config.json"));

        Assert.Equal(64, shape.HiddenSize);
    }

    [Fact]
    public void FolderWithoutConfigRejected()
    {
        var dir = TestPaths.NewTempDir("sharptune-plan-noconfig");

        var error = Assert.Throws<SharpTuneInputException>(() => ModelResolver.Resolve(dir));

        Assert.Contains("config.json not found", error.Message);
    }
}
