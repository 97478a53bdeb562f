namespace SharpTune.Objectives.Rl;

/// <summary>The coefficient β of the KL penalty in the reward, rt = −β·k1t (plus the score at the last token).</summary>
public interface IKlController
{
    double Value { get; }

    /// <summary>Called once per rollout batch with its mean KL per response and its number of responses.</summary>
    void Update(double currentKl, int samples);
}

/// <summary>A constant coefficient (<c>rl.adaptive_kl: false</c>).</summary>
public sealed class FixedKlController(double value) : IKlController
{
    public double Value => value;

    public void Update(double currentKl, int samples) { }
}

/// <summary>
/// The adaptive controller of Ziegler et al. (2019, section 2.2): et = clip(KL/target − 1, −0.2, 0.2) and
/// β ← β·(1 + et·samples/horizon), which moves the KL toward the target without reacting to one noisy batch.
/// </summary>
public sealed class AdaptiveKlController(double initial, double target, int horizon) : IKlController
{
    public double Value { get; private set; } = initial;

    public void Update(double currentKl, int samples)
    {
        double error = Math.Clamp(currentKl / target - 1, -0.2, 0.2);
        Value *= 1 + error * samples / horizon;
    }
}
