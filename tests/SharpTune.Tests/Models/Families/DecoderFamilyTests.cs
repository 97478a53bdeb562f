using SharpTune.Generation;
using SharpTune.Models;
using SharpTune.Models.Safetensors;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpTune.Tests.Models.Families;

/// <summary>
/// Tiny random checkpoints of each decoder family against logits and greedy tokens that an independent
/// numpy transcription of transformers computed (float32, tolerance 1e-4 absolute).
/// </summary>
public sealed class DecoderFamilyTests(ITestOutputHelper output)
{
    const double Tolerance = 1e-4;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var family in new[] { "llama", "qwen2", "mistral", "phi3", "gpt2" })
            foreach (var name in new[] { "len5", "len17", "len29" })
                data.Add(family, name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Logits_MatchReference(string family, string caseName)
    {
        var expected = FamilyExpectations.Case(family, caseName);
        var model = PretrainedModel.Load(FamilyExpectations.Dir(family), ScalarType.Float32, CPU);
        using var scope = NewDisposeScope();
        using var guard = no_grad();

        var ids = tensor(FamilyExpectations.Longs(expected["input_ids"]!), FamilyExpectations.Shape(expected["logits_shape"]!)[..2]);
        var logits = model.Forward(ids);
        var reference = tensor(FamilyExpectations.Flatten(expected["logits"]!), FamilyExpectations.Shape(expected["logits_shape"]!));

        Assert.Equal(reference.shape, logits.shape);
        double maxError = (logits - reference).abs().max().item<float>();
        output.WriteLine($"{family} {caseName}: max |logit - reference| = {maxError:E3}");
        Assert.True(maxError < Tolerance, $"{family} {caseName}: max |logit - reference| = {maxError:E3}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Greedy_MatchesReference(string family, string caseName)
    {
        var expected = FamilyExpectations.Case(family, caseName);
        var model = PretrainedModel.Load(FamilyExpectations.Dir(family), ScalarType.Float32, CPU);
        using var guard = no_grad();

        // Each step re-runs the whole sequence without a KV cache and takes the argmax, as the reference did.
        var sequence = FamilyExpectations.Longs(expected["input_ids"]!).ToList();
        var generated = new List<long>();
        for (int step = 0; step < 10; step++)
        {
            using var scope = NewDisposeScope();
            var logits = model.Forward(tensor(sequence.ToArray()).unsqueeze(0));
            long next = logits[0, -1].argmax().item<long>();
            generated.Add(next);
            sequence.Add(next);
        }

        Assert.Equal(FamilyExpectations.Longs(expected["greedy_new_token_ids"]!), generated);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CachedGeneration_MatchesReference(string family, string caseName)
    {
        // TextGenerator decodes with a KV cache, which the reference did not use; the tokens must still agree.
        var expected = FamilyExpectations.Case(family, caseName);
        var model = PretrainedModel.Load(FamilyExpectations.Dir(family), ScalarType.Float32, CPU);

        var generated = TextGenerator.Generate(model, FamilyExpectations.Longs(expected["input_ids"]!),
            new GenerationOptions { MaxNewTokens = 10 });

        Assert.Equal(FamilyExpectations.Longs(expected["greedy_new_token_ids"]!), generated);
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("qwen2")]
    [InlineData("mistral")]
    [InlineData("phi3")]
    [InlineData("gpt2")]
    public void CheckpointNames_EqualStoredNames(string family)
    {
        var model = PretrainedModel.Load(FamilyExpectations.Dir(family), ScalarType.Float32, CPU);
        using var checkpoint = SafetensorsCheckpoint.Open(FamilyExpectations.Dir(family));

        var saved = model.CheckpointTensors().Select(t => t.Name).Order().ToList();

        Assert.Equal(checkpoint.Names.Order().ToList(), saved);
    }

    [Fact]
    public void Gpt2Save_RoundTripsConv1DLayout()
    {
        var dir = TestPaths.NewTempDir();
        var model = PretrainedModel.Load(FamilyExpectations.Dir("gpt2"), ScalarType.Float32, CPU);
        PretrainedModel.Save(model, dir, FamilyExpectations.Dir("gpt2"));
        using var original = SafetensorsCheckpoint.Open(FamilyExpectations.Dir("gpt2"));
        using var saved = SafetensorsCheckpoint.Open(dir);

        const string name = "transformer.h.0.attn.c_attn.weight";
        using var before = original.GetTensor(name);
        using var after = saved.GetTensor(name);

        Assert.Equal(before.shape, after.shape);
        Assert.True(before.allclose(after, rtol: 0, atol: 0));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Load_FollowsSymlinkedFiles()
    {
        var dir = TestPaths.NewTempDir();
        foreach (var file in new[] { "config.json", "model.safetensors" })
            File.CreateSymbolicLink(Path.Combine(dir, file), Path.Combine(FamilyExpectations.Dir("phi3"), file));

        var model = PretrainedModel.Load(dir, ScalarType.Float32, CPU);

        Assert.Equal(400, model.Config.VocabSize);
        Directory.Delete(dir, recursive: true);
    }
}
