namespace SharpTune.Objectives.Rl;

/// <summary>
/// Scores sampled responses for RLHF: one float per (prompt, response) pair, higher is better. A programmatic
/// reward and a trained reward model implement the same contract.
/// </summary>
public interface IRewardFunction
{
    /// <summary>Returns <c>scores[i]</c> for <c>prompts[i]</c> and <c>responses[i]</c>; both lists have the same length.</summary>
    float[] Score(IReadOnlyList<string> prompts, IReadOnlyList<string> responses);
}
