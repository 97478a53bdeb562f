using SharpTune.Recipes;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Objectives.Rl;

/// <summary>Builds the reward function a recipe's <c>rl.reward</c> names.</summary>
public static class RewardFunctions
{
    /// <summary>
    /// Returns the reward of <paramref name="rl"/>. A reward model is loaded onto <paramref name="device"/> from
    /// <c>rl.reward_model</c>, on top of <c>rl.reward_model_base</c> or else <paramref name="policyModel"/>, and scores
    /// rows of at most <paramref name="maxLength"/> tokens cut as in reward training; the caller disposes it.
    /// </summary>
    public static IRewardFunction For(RlOptions rl, HfTokenizer tokenizer, string policyModel, Device device, int maxLength) => rl.Reward switch
    {
        RewardKind.WordCount => new WordCountReward(rl.RewardWord
            ?? throw new SharpTuneInputException("rl.reward_word: missing; reward word_count counts this word, for example 'reward_word: cat'")),
        RewardKind.Length => new LengthReward(rl.RewardLengthUnit == LengthUnit.Tokens
            ? text => tokenizer.Encode(text).Count
            : text => text.Length, rl.RewardTargetLength),
        RewardKind.RewardModel => RewardModel.Load(rl.RewardModelBase ?? policyModel, rl.RewardModel
            ?? throw new SharpTuneInputException("rl.reward_model: missing; reward reward_model needs the output_dir of an objective: reward run, for example 'reward_model: runs/reward'"),
            device, maxLength, "rl.reward_model"),
        _ => throw new ArgumentOutOfRangeException(nameof(rl), rl.Reward, "unknown reward"),
    };
}
