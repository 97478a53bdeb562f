using SharpTune.Mechanisms.Reft;

namespace SharpTune.Tests.Mechanisms.Reft;

public class PidControllerTests
{
    [Fact]
    public void WeightFollowsHandComputation()
    {
        var controller = new PidController(kp: 2, ki: 0.5, kd: 1, target: 1);

        // e = 2: integral 2, no derivative yet: 2·2 + 0.5·2 = 5.
        Assert.Equal(5.0, controller.Update(3), 12);
        // e = 1: integral 3, derivative −1: 2·1 + 0.5·3 − 1 = 2.5.
        Assert.Equal(2.5, controller.Update(2), 12);
    }

    [Fact]
    public void UnderTargetGivesZero()
    {
        var controller = new PidController(kp: 1, ki: 1, kd: 0, target: 1);

        Assert.Equal(0.0, controller.Update(0.25));
    }

    [Fact]
    public void IntegralStaysNonNegative()
    {
        var controller = new PidController(kp: 0, ki: 1, kd: 0, target: 1);
        controller.Update(0);   // e = −1 would make the integral −1 without the clamp.

        // e = 0.5: integral max(0, 0 + 0.5) = 0.5.
        Assert.Equal(0.5, controller.Update(1.5), 12);
    }
}
