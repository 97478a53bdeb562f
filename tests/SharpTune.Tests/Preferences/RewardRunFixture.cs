using System.Text.Json.Nodes;
using SharpTune.Data;
using SharpTune.Recipes;
using SharpTune.Training;

namespace SharpTune.Tests.Preferences;

/// <summary>
/// A four-step LoRA reward run and a two-step full one on stories260k, shared by the <c>sharptune score</c> tests,
/// with eight hh-rlhf pairs as their eval file (<see cref="PairsFile"/>) and each run's own metrics on them.
/// </summary>
public sealed class RewardRunFixture : IDisposable
{
    /// <summary>Row length of the run; the score tests pass the same value so rows are cut the same way.</summary>
    public const int MaxLength = 96;

    public string Dir { get; } = TestPaths.NewTempDir("sharptune-score");

    public string RunDir => Path.Combine(Dir, "run");

    /// <summary>Eight pairs as <c>{"prompt","chosen","rejected"}</c> lines, the run's eval data.</summary>
    public string PairsFile => Path.Combine(Dir, "pairs.jsonl");

    public IReadOnlyList<PreferencePair> Pairs { get; }

    public JsonNode Summary { get; }

    public RewardRunFixture()
    {
        // The eval pairs come from the end of the file and training reads only its first 48 pairs.
        var all = PreferenceRecords.Load(PreferenceMaterial.HhRlhf);
        Pairs = all.Skip(all.Count - 8).ToList();
        File.WriteAllLines(PairsFile, Pairs.Select(p =>
            new JsonObject { ["prompt"] = p.Prompt, ["chosen"] = p.Chosen, ["rejected"] = p.Rejected }.ToJsonString()));
        File.WriteAllLines(Path.Combine(Dir, "train.jsonl"), File.ReadLines(PreferenceMaterial.HhRlhf).Take(48));

        Summary = Train("run", "lora", steps: 4);
        FullSummary = Train("full-run", "full", steps: 2);
    }

    /// <summary>The same data trained with <c>mechanism: full</c>, which saves <c>model/</c> instead of <c>adapter/</c>.</summary>
    public string FullRunDir => Path.Combine(Dir, "full-run");

    public JsonNode FullSummary { get; }

    JsonNode Train(string outputDir, string mechanism, int steps)
    {
        var yaml = $"""
            model: {TestPaths.Stories260k}
            objective: reward
            mechanism: {mechanism}
            device: cpu
            output_dir: {outputDir}
            data:
              train: {Path.Combine(Dir, "train.jsonl")}
              eval: {PairsFile}
              max_length: {MaxLength}
            lora:
              r: 4
              alpha: 8
              dropout: 0
              target_modules: [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]
            training:
              max_steps: {steps}
              batch_size: 4
              learning_rate: 5.0e-3
              lr_scheduler: constant
              seed: 42
            """;
        RecipeRun.Execute(RecipeLoader.Parse(yaml, Path.Combine(Dir, outputDir + ".yaml"), Dir));
        return JsonNode.Parse(File.ReadAllText(Path.Combine(Dir, outputDir, "summary.json")))!;
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
