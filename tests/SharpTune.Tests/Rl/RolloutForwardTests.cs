using SharpTune.Models.Llama;
using SharpTune.Objectives.Rl;
using TorchSharp;
using static SharpTune.Tests.Preferences.PreferenceMaterial;
using static SharpTune.Tests.Training.TrainingMaterial;
using static TorchSharp.torch;

namespace SharpTune.Tests.Rl;

/// <summary>Log-probabilities of rollouts on stories260k: the LoRA reference and the left-padded layout.</summary>
[Collection(Training.TrainingCollection.Name)]
public class RolloutForwardTests
{
    // Prompts of different lengths, so rows get different left padding, and responses of different lengths.
    static RolloutBatch Batch()
    {
        using var tokenizer = LoadTokenizer();
        string[] prompts = ["Once upon a time", "Tom", "The little dog ran to the park"];
        string[] responses = [" there was a cat.", " and Sue played", " and"];
        var promptIds = prompts.Select(p => (IReadOnlyList<long>)new[] { tokenizer.BosId!.Value }.Concat(tokenizer.Encode(p)).ToList()).ToList();
        var responseIds = responses.Select(r => (IReadOnlyList<long>)tokenizer.Encode(r).ToList()).ToList();
        return RolloutBatch.Create(promptIds, responseIds, prompts, responses, padId: 0);
    }

    static void RandomizeLoraB(LlamaForCausalLM model)
    {
        using var guard = no_grad();
        var generator = new Generator(11, CPU);
        foreach (var (_, layer) in global::SharpTune.Mechanisms.Lora.LoraModel.Layers(model))
            layer.lora_B.weight!.normal_(0, 0.05, generator);
    }

    [Fact]
    public void LoraReference_EqualsTheBaseModelExactly()
    {
        using var policy = LoadModel();
        AttachLora(policy);
        RandomizeLoraB(policy);
        using var baseModel = LoadModel();
        using var batch = Batch();

        using var reference = new RolloutReference(frozenCopy: null).LogProbs(policy, batch, temperature: 0.7);
        using var expected = RolloutForward.Run(baseModel, batch, temperature: 0.7);
        using var tuned = RolloutForward.Run(policy, batch, temperature: 0.7);

        Assert.True(reference.eq(expected.LogProbs).all().item<bool>(), "reference log-probs differ from the base model's");
        Assert.False(tuned.LogProbs.allclose(expected.LogProbs, rtol: 0, atol: 1e-4), "the adapter should change the policy");
    }

    [Fact]
    public void LeftPaddedRows_MatchEachRowRunAlone()
    {
        using var model = LoadModel();
        using var batch = Batch();

        using var together = RolloutForward.Run(model, batch, temperature: 1.0);

        for (int row = 0; row < batch.Count; row++)
        {
            using var alone = RolloutBatch.Create([Ids(batch, row)], [Response(batch, row)], [""], [""], padId: 0);
            using var single = RolloutForward.Run(model, alone, temperature: 1.0);
            int length = batch.ResponseLengths[row];
            var expected = single.LogProbs[0].narrow(0, 0, length);
            var actual = together.LogProbs[row].narrow(0, 0, length);
            Assert.True(actual.allclose(expected, rtol: 0, atol: 1e-5), $"row {row}: {actual.str()} vs {expected.str()}");
        }
    }

    static IReadOnlyList<long> Ids(RolloutBatch batch, int row)
    {
        var ids = batch.InputIds[row].narrow(0, 0, batch.PromptWidth).data<long>().ToArray();
        var segments = batch.SegmentIds[row].narrow(0, 0, batch.PromptWidth).data<long>().ToArray();
        return ids.Where((_, i) => segments[i] != 0).ToList();
    }

    static IReadOnlyList<long> Response(RolloutBatch batch, int row) =>
        batch.ResponseIds[row].data<long>().Take(batch.ResponseLengths[row]).ToList();
}
