using SharpTune.Models;
using SharpTune.Models.Bert;
using SharpTune.Models.Safetensors;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpTune.Tests.Models.Families;

/// <summary>
/// A tiny random BertModel checkpoint against hidden states and pooler outputs that an independent numpy
/// transcription of transformers computed (float32, tolerance 1e-4 absolute, padded positions excluded).
/// </summary>
public sealed class BertModelTests(ITestOutputHelper output)
{
    const double Tolerance = 1e-4;

    static (BertOutput Output, Tensor Mask) Run(BertModel model, string caseName)
    {
        var expected = FamilyExpectations.Case("bert", caseName);
        var shape = FamilyExpectations.Shape(expected["last_hidden_state_shape"]!)[..2];
        var ids = tensor(FamilyExpectations.Longs(expected["input_ids"]!), shape);
        var mask = tensor(FamilyExpectations.Longs(expected["attention_mask"]!), shape);
        var types = tensor(FamilyExpectations.Longs(expected["token_type_ids"]!), shape);
        using var guard = no_grad();
        return (model.Forward(ids, mask, types), mask);
    }

    [Theory]
    [InlineData("len5")]
    [InlineData("len17")]
    [InlineData("batch2_len20_padded")]
    public void LastHiddenState_MatchesReference(string caseName)
    {
        using var scope = NewDisposeScope();
        var model = BertModel.Load(FamilyExpectations.Dir("bert"), ScalarType.Float32, CPU);
        var expected = FamilyExpectations.Case("bert", caseName);
        var (encoded, mask) = Run(model, caseName);
        var reference = tensor(FamilyExpectations.Flatten(expected["last_hidden_state"]!),
            FamilyExpectations.Shape(expected["last_hidden_state_shape"]!));

        var realTokens = mask.ne(0).unsqueeze(-1);                                   // [b, s, 1]
        var error = (encoded.LastHiddenState - reference).abs().masked_fill(realTokens.logical_not(), 0.0);
        double maxError = error.max().item<float>();
        output.WriteLine($"{caseName}: max |hidden - reference| = {maxError:E3}");

        Assert.True(maxError < Tolerance, $"{caseName}: max |hidden - reference| = {maxError:E3}");
    }

    [Theory]
    [InlineData("len5")]
    [InlineData("len17")]
    [InlineData("batch2_len20_padded")]
    public void PoolerOutput_MatchesReference(string caseName)
    {
        using var scope = NewDisposeScope();
        var model = BertModel.Load(FamilyExpectations.Dir("bert"), ScalarType.Float32, CPU);
        var expected = FamilyExpectations.Case("bert", caseName);
        var (result, _) = Run(model, caseName);
        var reference = tensor(FamilyExpectations.Flatten(expected["pooler_output"]!),
            FamilyExpectations.Shape(expected["pooler_output_shape"]!));

        double maxError = (result.PoolerOutput! - reference).abs().max().item<float>();
        output.WriteLine($"{caseName}: max |pooler - reference| = {maxError:E3}");

        Assert.True(maxError < Tolerance, $"{caseName}: max |pooler - reference| = {maxError:E3}");
    }

    [Fact]
    public void PooledFeatures_MeanIgnoresPadding()
    {
        using var scope = NewDisposeScope();
        var model = BertModel.Load(FamilyExpectations.Dir("bert"), ScalarType.Float32, CPU);
        var (encoded, mask) = Run(model, "batch2_len20_padded");
        var expected = FamilyExpectations.Case("bert", "batch2_len20_padded");
        var shape = FamilyExpectations.Shape(expected["last_hidden_state_shape"]!)[..2];
        var ids = tensor(FamilyExpectations.Longs(expected["input_ids"]!), shape);
        var types = tensor(FamilyExpectations.Longs(expected["token_type_ids"]!), shape);

        using var guard = no_grad();
        var features = model.PooledFeatures(ids, mask, EncoderPooling.Mean, types);
        // Row 1 has 13 real tokens, so its mean covers positions 0..12 only.
        var byHand = encoded.LastHiddenState[1].narrow(0, 0, 13).mean([0L]);

        Assert.Equal(new long[] { 2, 64 }, features.shape);
        Assert.True(features[1].allclose(byHand, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Load_AcceptsBertPrefix()
    {
        using var scope = NewDisposeScope();
        var dir = TestPaths.NewTempDir();
        using (var checkpoint = SafetensorsCheckpoint.Open(FamilyExpectations.Dir("bert")))
        {
            var tensors = checkpoint.Names.ToDictionary(n => "bert." + n, n => checkpoint.GetTensor(n));
            tensors["classifier.weight"] = zeros(3, 64);
            SafetensorsWriter.Save(Path.Combine(dir, "model.safetensors"), tensors);
        }
        var config = File.ReadAllText(Path.Combine(FamilyExpectations.Dir("bert"), "config.json"))
            .Replace("\"BertModel\"", "\"BertForSequenceClassification\"");
        File.WriteAllText(Path.Combine(dir, "config.json"), config);

        var prefixed = BertModel.Load(dir, ScalarType.Float32, CPU);
        var (encoded, _) = Run(prefixed, "len5");
        var reference = tensor(FamilyExpectations.Flatten(FamilyExpectations.Case("bert", "len5")["pooler_output"]!), [1, 64]);

        Assert.True(encoded.PoolerOutput!.allclose(reference, rtol: 0, atol: Tolerance));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void DecoderLoad_RejectsBertWithSupportedList()
    {
        var error = Assert.Throws<SharpTuneInputException>(() => ModelConfig.Load(FamilyExpectations.Dir("bert")));

        Assert.Contains("GPT2LMHeadModel", error.Message);
        Assert.Contains("BertModel", error.Message);
    }
}
