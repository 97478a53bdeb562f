using SharpTune.Recipes;
using SharpTune.Tokenization;

namespace SharpTune.Objectives.Rl;

/// <summary>Builds the reward function a recipe's <c>rl.reward</c> names.</summary>
public static class RewardFunctions
{
    public static IRewardFunction For(RlOptions rl, HfTokenizer tokenizer) => rl.Reward switch
    {
        RewardKind.WordCount => new WordCountReward(rl.RewardWord
            ?? throw new SharpTuneInputException("rl.reward_word: missing; reward word_count counts this word, for example 'reward_word: cat'")),
        RewardKind.Length => new LengthReward(rl.RewardLengthUnit == LengthUnit.Tokens
            ? text => tokenizer.Encode(text).Count
            : text => text.Length, rl.RewardTargetLength),
        _ => throw new ArgumentOutOfRangeException(nameof(rl), rl.Reward, "unknown reward"),
    };
}
