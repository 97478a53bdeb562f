using System.Text.Json.Nodes;
using SharpTune.Data;
using SharpTune.Recipes;
using SharpTune.Training;

namespace SharpTune.Tests.Preferences;

/// <summary>
/// A four-step LoRA reward run on stories260k, shared by the <c>sharptune score</c> tests, with eight hh-rlhf
/// pairs as its eval file (<see cref="PairsFile"/>) and the run's own metrics on them in <see cref="Summary"/>.
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
        var trainFile = Path.Combine(Dir, "train.jsonl");
        File.WriteAllLines(trainFile, File.ReadLines(PreferenceMaterial.HhRlhf).Take(48));

        var yaml = $"""
            model: {TestPaths.Stories260k}
            objective: reward
            mechanism: lora
            device: cpu
            output_dir: run
            data:
              train: {trainFile}
              eval: {PairsFile}
              max_length: {MaxLength}
            lora:
              r: 4
              alpha: 8
              dropout: 0
              target_modules: [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]
            training:
              max_steps: 4
              batch_size: 4
              learning_rate: 5.0e-3
              lr_scheduler: constant
              seed: 42
            """;
        RecipeRun.Execute(RecipeLoader.Parse(yaml, Path.Combine(Dir, "recipe.yaml"), Dir));
        Summary = JsonNode.Parse(File.ReadAllText(Path.Combine(RunDir, "summary.json")))!;
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
