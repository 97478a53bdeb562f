using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;
using SharpTune.Data;
using SharpTune.Mechanisms.Reft;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using SharpTune.Recipes;
using SharpTune.Training;
using Xunit.Abstractions;
using static SharpTune.Tests.Preferences.PreferenceMaterial;
using static SharpTune.Tests.Training.TrainingMaterial;
using static TorchSharp.torch;

namespace SharpTune.Tests.Preferences;

/// <summary>Preference objectives with ReFT interventions as the trainable part and the base model as the reference.</summary>
[Collection(Training.TrainingCollection.Name)]
public sealed class ReftPreferenceTests(ITestOutputHelper output) : IDisposable
{
    readonly string dir = TestPaths.NewTempDir("sharptune-reft-pref");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static Dictionary<string, byte[]> Snapshot(LlamaForCausalLM model) =>
        model.named_parameters().ToDictionary(p => p.name, p => MemoryMarshal.AsBytes(p.parameter.data<float>().ToArray().AsSpan()).ToArray());

    [Theory]
    [InlineData("loreft")]
    [InlineData("direft")]
    public void DpoRun_StartsAtLn2AndSavesInterventions(string mechanism)
    {
        var records = PreferenceRecipes.Run(PreferenceRecipes.Parse(dir, "dpo", mechanism));
        output.WriteLine($"{mechanism}: step-0 loss {records[0]["loss"]}, last {records[^1]["loss"]}");

        // Both methods start as the identity, so the policy equals the interventions-off reference at step 0.
        Assert.Equal(Math.Log(2), records[0]["loss"]!.GetValue<double>(), 1e-6);
        Assert.True(File.Exists(Path.Combine(dir, "run", "adapter", ReftArtifact.WeightsFile)));
    }

    [Theory]
    [InlineData("orpo", "loreft")]
    [InlineData("simpo", "dii")]
    [InlineData("reward", "direft")]
    public void ReferenceFreeAndRewardRuns_TrainInterventions(string objective, string mechanism)
    {
        var records = PreferenceRecipes.Run(PreferenceRecipes.Parse(dir, objective, mechanism, steps: 2));
        output.WriteLine($"{objective} {mechanism}: losses {string.Join(", ", records.Select(r => r["loss"]))}");

        Assert.All(records, r => Assert.True(double.IsFinite(r["loss"]!.GetValue<double>())));
        Assert.True(File.Exists(Path.Combine(dir, "run", "adapter", ReftArtifact.WeightsFile)));
        Assert.Equal(objective == "reward", File.Exists(Path.Combine(dir, "run", "adapter", PolicyArtifact.ValueHeadFile)));
    }

    [Fact]
    public void DisabledInterventions_GiveBaseLogProbs()
    {
        using var batch = Source(Pairs(count: 2, maxLength: 96)).Collate([0, 1]);
        using var baseModel = LoadModel();
        using var baseLogProbs = SequenceLogProbs.Sum(BatchForward.Logits(baseModel, batch), batch.Labels);
        using var tokenizer = LoadTokenizer();
        using var model = LoadModel();
        var policy = TrainablePolicy.Attach(model, PreferenceRecipes.Parse(dir, "dpo", "loreft"), tokenizer, NullLogger.Instance);
        using (no_grad())
            foreach (var intervention in policy.Reft!.ByLayer.Values.Cast<LoreftIntervention>())
                intervention.learned_source.bias!.normal_(0, 1.0);

        using var reference = AdapterDisabledReference.Instance.LogProbs(model, batch);
        using var intervened = SequenceLogProbs.Sum(BatchForward.Logits(model, batch), batch.Labels);

        Assert.Equal(baseLogProbs.data<float>().ToArray(), reference.data<float>().ToArray());
        Assert.NotEqual(baseLogProbs.data<float>().ToArray(), intervened.data<float>().ToArray());
        Assert.False(policy.Reft.Disabled);
    }

    [Fact]
    public void LoreftDpoTraining_ChangesOnlyInterventions()
    {
        var recipe = PreferenceRecipes.Parse(dir, "dpo", "loreft", steps: 3);
        using var tokenizer = LoadTokenizer();
        using var model = LoadModel();
        TrainablePolicy.Attach(model, recipe, tokenizer, NullLogger.Instance);
        var before = Snapshot(model);

        PreferenceRecipes.TrainDpo(model, recipe, Path.Combine(dir, "direct"));
        var changed = Snapshot(model).Where(p => !p.Value.AsSpan().SequenceEqual(before[p.Key])).Select(p => p.Key).Order().ToList();
        var interventions = before.Keys.Where(name => name.StartsWith("model.reft.", StringComparison.Ordinal)).Order().ToList();
        output.WriteLine($"changed: {string.Join(", ", changed)}");

        Assert.Equal(interventions, changed);
    }

    [Fact]
    public void ChosenAndRejected_GetInterventionsAtTheSamePromptTokens()
    {
        const int maxLength = 96;
        var cut = Pairs(count: 40, maxLength: maxLength);
        var whole = Pairs(count: 40, maxLength: 4096);
        // Pairs whose prompt was cut and whose responses differ in length, one shorter than half of max_length:
        // each row cut on its own would keep a different number of prompt tokens.
        var hard = Enumerable.Range(0, cut.Count).Where(i =>
            PromptLength(cut[i].Chosen) < PromptLength(whole[i].Chosen)
            && whole[i].Chosen.Length - PromptLength(whole[i].Chosen) != whole[i].Rejected.Length - PromptLength(whole[i].Rejected)
            && Math.Min(whole[i].Chosen.Length, whole[i].Rejected.Length) - PromptLength(whole[i].Chosen) < maxLength / 2).ToList();
        using var model = LoadModel();
        var reft = ReftAttach.Attach(model, new global::SharpTune.Mechanisms.Reft.ReftOptions { Method = ReftMethod.Loreft, R = 4, FirstPositions = 5, LastPositions = 5 }, seed: 1);
        using var batch = Source(cut).Collate(hard);
        using var positions = PromptPositions.FromBatch(batch);
        using var selected = reft.Selected(positions);
        output.WriteLine($"{hard.Count} pairs with a cut prompt and responses of different lengths");

        Assert.NotEmpty(hard);
        for (int pair = 0; pair < hard.Count; pair++)
        {
            var chosen = Edited(batch.InputIds[2 * pair], selected[2 * pair]);
            var rejected = Edited(batch.InputIds[2 * pair + 1], selected[2 * pair + 1]);
            Assert.Equal(10, chosen.Length);
            Assert.Equal(chosen, rejected);
        }
    }

    static int PromptLength(TokenizedExample row) => row.Labels.TakeWhile(l => l == Batch.IgnoreIndex).Count();

    static long[] Edited(Tensor ids, Tensor mask) => ids.masked_select(mask).data<long>().ToArray();
}
