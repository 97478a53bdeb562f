using SharpTune.Data;
using SharpTune.Mechanisms;
using SharpTune.Models;
using SharpTune.Models.Llama;
using SharpTune.Tokenization;
using SharpTune.Training;
using TorchSharp;
using static TorchSharp.torch;

using SharpTune.Objectives.Rl;

namespace SharpTune.Objectives;

/// <summary>
/// A reward model that <c>objective: reward</c> trained, loaded for scoring: the backbone (the base with the run's
/// adapter, or the run's full model), its tokenizer and the value head. Each (prompt, response) becomes one row
/// exactly as in training, BOS, prompt, response and EOS, and its score is the value head's output at EOS.
/// </summary>
public sealed class RewardModel : IRewardFunction, IDisposable
{
    readonly RewardObjective head;
    readonly PreferenceExampleBuilder builder;
    readonly Collator collator;

    public LlamaForCausalLM Model { get; }

    public HfTokenizer Tokenizer { get; }

    /// <summary>The folder the value head and the adapter or model weights were read from.</summary>
    public string ArtifactDir { get; }

    /// <summary>Rows cut to the maximum length so far.</summary>
    public int TruncatedCount => builder.TruncatedCount;

    /// <summary>Rows per forward pass.</summary>
    public int BatchSize
    {
        get => batchSize;
        set => batchSize = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, "must be at least 1");
    }

    int batchSize = 8;

    /// <summary>
    /// Which end of each row the batches pad. Scores do not depend on it beyond float rounding, because the score
    /// is read at the last real token and pads are masked out of attention.
    /// </summary>
    public PaddingSide Padding { get; set; } = PaddingSide.Right;

    RewardModel(LlamaForCausalLM model, HfTokenizer tokenizer, RewardObjective head, string artifactDir, int maxLength)
    {
        Model = model;
        Tokenizer = tokenizer;
        this.head = head;
        ArtifactDir = artifactDir;
        builder = new PreferenceExampleBuilder(tokenizer, maxLength);
        collator = Collator.For(tokenizer);
    }

    /// <summary>
    /// Loads the reward model in <paramref name="rewardDir"/> on top of <paramref name="baseDir"/>.
    /// <paramref name="rewardDir"/> is a run folder, or its <c>adapter/</c> or <c>model/</c> folder: whichever of
    /// them contains <see cref="PreferenceRun.RewardValueHeadFile"/>. A folder with <c>config.json</c> is a full model and
    /// replaces the base weights; any other folder is an adapter loaded onto the base, of any mechanism that
    /// <see cref="AdapterFolder"/> loads. The tokenizer is the base model's, as in training.
    /// </summary>
    /// <param name="baseDir">The base model the run started from.</param>
    /// <param name="rewardDir">The run folder, or its <c>adapter/</c> or <c>model/</c> folder.</param>
    /// <param name="device">Where the model runs.</param>
    /// <param name="field">The option or recipe key that named <paramref name="rewardDir"/>, for error messages.</param>
    /// <param name="maxLength">Tokens per row; longer rows keep the end of the prompt and the start of the response, as in training.</param>
    /// <exception cref="SharpTuneInputException">No value head is found, or the head or the adapter does not fit the base.</exception>
    public static RewardModel Load(string baseDir, string rewardDir, Device device, int maxLength = 512, string field = "--reward-model")
    {
        if (maxLength < 2)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "a row needs at least one prompt token and EOS");
        var artifactDir = FindArtifact(rewardDir, field);
        bool isFullModel = File.Exists(Path.Combine(artifactDir, "config.json"));

        var tokenizer = HfTokenizer.Load(baseDir);
        LlamaForCausalLM? model = null;
        try
        {
            // Built on the CPU and moved after the adapter is attached, as the inference commands do.
            model = PretrainedModel.Load(isFullModel ? artifactDir : baseDir, ScalarType.Float32, CPU);
            if (!isFullModel)
                AdapterFolder.Load(model, artifactDir);
            if (device.type != DeviceType.CPU)
                model.to(device);
            model.eval();
            var head = RewardObjective.LoadValueHead(Path.Combine(artifactDir, PreferenceRun.RewardValueHeadFile), model.Config.HiddenSize, device);
            return new RewardModel(model, tokenizer, head, artifactDir, maxLength);
        }
        catch
        {
            model?.Dispose();
            tokenizer.Dispose();
            throw;
        }
    }

    /// <summary>Returns one reward per (prompt, response) pair, in input order.</summary>
    /// <exception cref="ArgumentException">The lists differ in length.</exception>
    public float[] Score(IReadOnlyList<string> prompts, IReadOnlyList<string> responses)
    {
        if (prompts.Count != responses.Count)
            throw new ArgumentException($"{prompts.Count} prompts but {responses.Count} responses; give one prompt per response", nameof(responses));
        return Score(prompts.Select((prompt, i) => builder.BuildRow(prompt, responses[i])).ToList());
    }

    /// <summary>Returns one reward per tokenized row, in input order.</summary>
    public float[] Score(IReadOnlyList<TokenizedExample> rows)
    {
        var scores = new float[rows.Count];
        using var guard = no_grad();
        for (int start = 0; start < rows.Count; start += BatchSize)
        {
            using var scope = NewDisposeScope();
            var chunk = rows.Skip(start).Take(BatchSize).ToList();
            using var batch = collator.Collate(chunk, side: Padding);
            head.Scores(Model, batch).cpu().data<float>().ToArray().CopyTo(scores, start);    // [rows in chunk]
        }
        return scores;
    }

    /// <summary>Tokenizes the chosen and rejected rows of a pair as training does, with one prompt cut for both.</summary>
    public TokenizedPair PairRows(PreferencePair pair) => builder.Build(pair);

    /// <summary>Tokenizes one row as <see cref="Score(IReadOnlyList{string}, IReadOnlyList{string})"/> does.</summary>
    public TokenizedExample Row(string prompt, string response, RecordSource? source = null) => builder.BuildRow(prompt, response, source);

    static string FindArtifact(string rewardDir, string field)
    {
        if (!Directory.Exists(rewardDir))
            throw SharpTuneInputException.At(rewardDir, null, field,
                "folder not found; pass the output_dir of a run with objective: reward, or its adapter/ or model/ folder");
        foreach (var candidate in new[] { rewardDir, Path.Combine(rewardDir, "adapter"), Path.Combine(rewardDir, "model") })
            if (File.Exists(Path.Combine(candidate, PreferenceRun.RewardValueHeadFile)))
            {
                // A PPO run saves its critic under the same file name, so the objective in the run's recipe distinguishes them.
                var objective = RunObjective(candidate == rewardDir ? rewardDir : Path.GetDirectoryName(candidate)!);
                if (objective is not null && objective != "reward")
                    throw SharpTuneInputException.At(rewardDir, null, field,
                        $"is the output of an objective: {objective} run, whose value head is not a reward model; pass the output_dir of a run with objective: reward");
                return candidate;
            }
        throw SharpTuneInputException.At(rewardDir, null, field,
            $"no {PreferenceRun.RewardValueHeadFile} here or in adapter/ or model/; pass the output_dir of a run with objective: reward, or its adapter/ or model/ folder");
    }

    // The objective that a run folder's saved recipe.yaml names, or null when the folder has no recipe.
    static string? RunObjective(string runDir)
    {
        var recipe = Path.Combine(runDir, "recipe.yaml");
        if (!File.Exists(recipe))
            return null;
        var line = File.ReadLines(recipe).FirstOrDefault(l => l.StartsWith("objective:", StringComparison.Ordinal));
        return line?["objective:".Length..].Trim();
    }

    public void Dispose()
    {
        Model.Dispose();
        head.ValueHead.Dispose();
        Tokenizer.Dispose();
    }
}
