using SharpTune.Mechanisms.Qlora;
using SharpTune.Mechanisms.Reft;
using SharpTune.Objectives.Rl;
using SharpTune.Recipes;
using SharpTune.Training;
using Xunit.Abstractions;
using static SharpTune.Tests.Training.TrainingMaterial;
using static TorchSharp.torch;

namespace SharpTune.Tests.Rl;

/// <summary>RLHF with ReFT on the query tokens or LoRA on a quantized base, and the switched-off policy as the reference.</summary>
[Collection(Training.TrainingCollection.Name)]
public sealed class RlhfMechanismTests(ITestOutputHelper output) : IDisposable
{
    readonly string dir = TestPaths.NewTempDir("sharptune-rlhf-reft");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void RolloutPromptPositions_CountQueryTokensOfLeftPaddedRows()
    {
        using var batch = RolloutBatch.Create([[1, 2, 3], [4, 5, 6, 7, 8]], [[9, 10], [11]], ["a", "b"], ["", ""], padId: 0);

        using var positions = batch.PromptPositions(CPU);

        // Row 0 is padded by 2 on the left and 0 on the right of its response; row 1 fills the prompt and pads one response slot.
        Assert.Equal(new long[] { -1, -1, 0, 1, 2, -1, -1, 0, 1, 2, 3, 4, -1, -1 }, positions.FromStart.data<long>().ToArray());
        Assert.Equal(new long[] { -1, -1, 2, 1, 0, -1, -1, 4, 3, 2, 1, 0, -1, -1 }, positions.FromEnd.data<long>().ToArray());
        Assert.Equal(new long[] { -1, -1, -1, -1, -1, 0, 1, -1, -1, -1, -1, -1, 0, -1 }, positions.ResponseIndex.data<long>().ToArray());
    }

    void Run(string mechanism, string precision)
    {
        var yaml = $"""
            model: {TestPaths.Stories260k}
            objective: rlhf
            mechanism: {mechanism}
            precision: {precision}
            device: cpu
            output_dir: run
            data:
              train: {Path.Combine(TestPaths.RepoRoot, "examples", "rlhf", "prompts.jsonl")}
            lora:
              r: 4
              alpha: 8
              dropout: 0
            reft:
              r: 4
              layers: [1, 3]
              first_positions: 3
              last_positions: 3
            rl:
              algorithm: grpo
              reward: length
              reward_length_unit: characters
              reward_target_length: 30
              rollout_batch_size: 4
              num_generations: 2
              max_new_tokens: 8
              ppo_epochs: 1
            training:
              max_steps: 2
              batch_size: 8
              learning_rate: 1.0e-2
              seed: 3
            """;
        RecipeRun.Execute(RecipeLoader.Parse(yaml, Path.Combine(dir, "recipe.yaml"), dir));
    }

    IReadOnlyList<System.Text.Json.Nodes.JsonObject> Metrics()
    {
        var records = MetricsLog.Read(Path.Combine(dir, "run", "metrics.jsonl"));
        output.WriteLine(string.Join("\n", records.Select(r => r.ToJsonString())));
        return records;
    }

    [Fact]
    public void GrpoLoreft_RunsEndToEndFromZeroKl()
    {
        Run("loreft", "fp32");
        var records = Metrics();
        using var model = LoadModel();
        var reft = ReftArtifact.Load(model, Path.Combine(dir, "run", "adapter"));
        var bias = ((LoreftIntervention)reft.ByLayer[1]).learned_source.bias!;

        // LoReFT starts as the identity, so before the first update the policy is the interventions-off reference.
        Assert.Equal(0.0, records[0]["kl"]!.GetValue<double>());
        Assert.Equal(2, records.Count);
        // After one update the edited query tokens change the response log-probabilities, so the KL leaves 0.
        Assert.NotEqual(0.0, records[1]["kl"]!.GetValue<double>());
        Assert.True(bias.abs().max().item<float>() > 0, "the trained interventions should move b away from its start at 0");
    }

    [Theory]
    [InlineData("qlora", "fp32", "nf4")]
    [InlineData("lora", "int8", "int8")]
    public void GrpoOnQuantizedBase_StartsAtZeroKl(string mechanism, string precision, string stored)
    {
        Run(mechanism, precision);
        var records = Metrics();

        // The adapter-disabled reference runs on the same quantized base, and LoRA's B starts at 0.
        Assert.Equal(0.0, records[0]["kl"]!.GetValue<double>());
        Assert.Equal(2, records.Count);
        Assert.True(File.Exists(Path.Combine(dir, "run", "adapter", "adapter_model.safetensors")));
        Assert.Equal(stored, QuantizedBaseRecord.Read(Path.Combine(dir, "run", "adapter"))!.Name);
    }
}
