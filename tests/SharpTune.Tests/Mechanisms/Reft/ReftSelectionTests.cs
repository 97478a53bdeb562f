using SharpTune.Mechanisms.Reft;
using SharpTune.Models.Llama;
using static TorchSharp.torch;

namespace SharpTune.Tests.Mechanisms.Reft;

public class ReftSelectionTests
{
    static bool[] Selected(ReftOptions options, PromptPositions positions)
    {
        using var reft = new ReftModel(options, layerCount: 1, hidden: 8, ScalarType.Float32);
        using var mask = reft.Selected(positions);
        return mask.data<bool>().ToArray();
    }

    [Fact]
    public void FirstAndLastOfPrompt()
    {
        using var positions = PromptPositions.ForPrompt(6, CPU);
        var options = new ReftOptions { Method = ReftMethod.Loreft, R = 2, FirstPositions = 2, LastPositions = 1 };

        Assert.Equal([true, true, false, false, false, true], Selected(options, positions));
    }

    [Fact]
    public void ShortPromptSelectedOnce()
    {
        using var positions = PromptPositions.ForPrompt(3, CPU);
        var options = new ReftOptions { Method = ReftMethod.Direft, R = 2, FirstPositions = 7, LastPositions = 7 };

        Assert.Equal([true, true, true], Selected(options, positions));
    }

    [Fact]
    public void DecodingStepNotSelected()
    {
        using var positions = PromptPositions.ForGenerated(0, CPU);
        var options = new ReftOptions { Method = ReftMethod.Loreft, R = 2 };

        Assert.Equal([false], Selected(options, positions));
    }

    [Fact]
    public void BrepSelectsFirstGenerated()
    {
        var options = new ReftOptions { Method = ReftMethod.Brep, GeneratedPositions = 2 };
        using var second = PromptPositions.ForGenerated(1, CPU);
        using var third = PromptPositions.ForGenerated(2, CPU);

        Assert.Equal([true], Selected(options, second));
        Assert.Equal([false], Selected(options, third));
    }
}
