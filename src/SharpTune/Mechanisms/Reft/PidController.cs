namespace SharpTune.Mechanisms.Reft;

/// <summary>
/// A PID controller that returns a non-negative penalty weight from the error <c>measured − target</c>:
/// <c>max(0, kp·e + ki·Σe + kd·(e − e_previous))</c>. The integral is kept at or above zero, so time spent under
/// the target does not store up credit that would let the measured value overshoot later.
/// </summary>
public sealed class PidController(double kp, double ki, double kd, double target)
{
    double integral;
    double? previousError;

    /// <summary>The weight returned by the latest <see cref="Update"/>, 0 before the first.</summary>
    public double Weight { get; private set; }

    /// <summary>Feeds one measurement and returns the new weight.</summary>
    public double Update(double measured)
    {
        double error = measured - target;
        integral = Math.Max(0, integral + error);
        double derivative = previousError is double previous ? error - previous : 0;
        previousError = error;
        Weight = Math.Max(0, kp * error + ki * integral + kd * derivative);
        return Weight;
    }
}
