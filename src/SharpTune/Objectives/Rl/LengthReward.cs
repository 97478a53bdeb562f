namespace SharpTune.Objectives.Rl;

/// <summary>
/// The response's length in the unit <paramref name="measure"/> counts (tokens or characters); with a target
/// length, −|length − target|, which is highest at the target.
/// </summary>
public sealed class LengthReward(Func<string, int> measure, int? target) : IRewardFunction
{
    public float[] Score(IReadOnlyList<string> prompts, IReadOnlyList<string> responses) =>
        responses.Select(response =>
        {
            int length = measure(response);
            return target is int t ? -Math.Abs(length - t) : (float)length;
        }).ToArray();
}
