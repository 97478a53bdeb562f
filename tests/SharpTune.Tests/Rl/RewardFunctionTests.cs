using SharpTune.Objectives.Rl;

namespace SharpTune.Tests.Rl;

public class RewardFunctionTests
{
    [Fact]
    public void WordCount_CountsWholeWordsIgnoringCase()
    {
        var reward = new WordCountReward("cat");

        var scores = reward.Score(["p", "p", "p"], ["The cat sat on the Cat-mat. CAT!", "concatenate cats", ""]);

        Assert.Equal([3f, 0f, 0f], scores);
    }

    [Fact]
    public void Length_InCharacters_WithAndWithoutTarget()
    {
        string[] prompts = ["a", "b"];
        string[] responses = ["hello world", "hey"];

        Assert.Equal([11f, 3f], new LengthReward(text => text.Length, target: null).Score(prompts, responses));
        Assert.Equal([-6f, -2f], new LengthReward(text => text.Length, target: 5).Score(prompts, responses));
    }
}
