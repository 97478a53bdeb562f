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
        Assert.Equal(expectedFraction * 3e-4, LearningRateSchedule.At("cosine", step, 10, 110, 3e-4), 12);
    }

    [Theory]
    [InlineData(10, 1.0)]
    [InlineData(35, 0.75)]
    [InlineData(110, 0.0)]
    public void Linear_MatchesClosedForm(int step, double expectedFraction)
    {
        Assert.Equal(expectedFraction, LearningRateSchedule.At("linear", step, 10, 110, 1.0), 12);
    }

    [Fact]
    public void Constant_AfterWarmupStaysAtPeak()
    {
        Assert.Equal(2.0, LearningRateSchedule.At("constant", 90, 10, 100, 2.0), 12);
    }

    [Fact]
    public void UnknownKind_Throws()
    {
        Assert.Throws<ArgumentException>(() => LearningRateSchedule.At("step", 0, 0, 10, 1.0));
    }
}
