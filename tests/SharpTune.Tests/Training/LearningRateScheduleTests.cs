using SharpTune.Recipes;
using SharpTune.Training;

namespace SharpTune.Tests.Training;

public class LearningRateScheduleTests
{
    [Theory]
    [InlineData(0, 0.0)]     // warmup starts at zero, as transformers' schedules do
    [InlineData(5, 0.5)]
    [InlineData(10, 1.0)]    // end of warmup: the peak
    [InlineData(60, 0.5)]    // half-way through decay: cos(pi/2) gives half the peak
    [InlineData(110, 0.0)]
    public void Cosine_MatchesClosedForm(int step, double expectedFraction)
    {
        Assert.Equal(expectedFraction * 3e-4, LearningRateSchedule.At(LrSchedulerKind.Cosine, step, 10, 110, 3e-4), 12);
    }

    [Theory]
    [InlineData(10, 1.0)]
    [InlineData(35, 0.75)]
    [InlineData(110, 0.0)]
    public void Linear_MatchesClosedForm(int step, double expectedFraction)
    {
        Assert.Equal(expectedFraction, LearningRateSchedule.At(LrSchedulerKind.Linear, step, 10, 110, 1.0), 12);
    }

    [Fact]
    public void Constant_AfterWarmupStaysAtPeak()
    {
        Assert.Equal(2.0, LearningRateSchedule.At(LrSchedulerKind.Constant, 90, 10, 100, 2.0), 12);
    }

    [Fact]
    public void UnknownKind_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.At((LrSchedulerKind)99, 0, 0, 10, 1.0));
    }
}
