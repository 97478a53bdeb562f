using SharpTune.Data;
using SharpTune.Mechanisms.Lora;
using SharpTune.Models.Llama;
using SharpTune.Training;
using static SharpTune.Tests.Training.TrainingMaterial;

namespace SharpTune.Tests.Preferences;

/// <summary>Real hh-rlhf preference pairs tokenized for stories260k, and LoRA settings for the DPO tests.</summary>
public static class PreferenceMaterial
{
    public static string HhRlhf => TestPaths.SharedData("hh_rlhf_harmless.dev.jsonl");

    /// <summary>The first <paramref name="count"/> pairs of the file, cut to <paramref name="maxLength"/> tokens per row.</summary>
    public static IReadOnlyList<TokenizedPair> Pairs(int count, int maxLength, int skip = 0)
    {
        using var tokenizer = LoadTokenizer();
        var builder = new PreferenceExampleBuilder(tokenizer, maxLength);
        return builder.Build(PreferenceRecords.Load(HhRlhf).Skip(skip).Take(count));
    }

    /// <summary>The first <paramref name="count"/> pairs whose rows both fit in <paramref name="maxTokens"/> untruncated.</summary>
    public static IReadOnlyList<TokenizedPair> ShortPairs(int count, int maxTokens) =>
        Pairs(count: 400, maxLength: 4096).Where(p => p.Chosen.Length <= maxTokens && p.Rejected.Length <= maxTokens).Take(count).ToList();

    public static PreferenceBatchSource Source(IReadOnlyList<TokenizedPair> pairs)
    {
        using var tokenizer = LoadTokenizer();
        return new PreferenceBatchSource(pairs, Collator.For(tokenizer));
    }

    public static void AttachLora(LlamaForCausalLM model) =>
        LoraModel.Attach(model, new global::SharpTune.Mechanisms.Lora.LoraOptions
        {
            R = 4,
            Alpha = 8,
            Dropout = 0,
            TargetModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        }, seed: 7);
}
