namespace SharpTune.Objectives.Rl;

/// <summary>
/// Critic-free advantages from the rewards of several responses to one prompt. Rewards come grouped: the
/// responses to prompt p sit at indices p·k … p·k + k − 1.
/// </summary>
public static class GroupAdvantages
{
    /// <summary>The ε of GRPO's normalisation, TRL's value. It keeps a group of equal rewards at advantage 0.</summary>
    public const double GrpoEpsilon = 1e-4;

    /// <summary>
    /// GRPO (Shao et al., 2024): Ai = (ri − mean(group))/(std(group) + ε), with the unbiased standard deviation
    /// as TRL's GRPOTrainer computes it.
    /// </summary>
    public static float[] Grpo(IReadOnlyList<float> rewards, int groupSize, double epsilon = GrpoEpsilon)
    {
        var advantages = new float[rewards.Count];
        foreach (var (start, group) in Groups(rewards, groupSize))
        {
            double mean = group.Average();
            double std = Math.Sqrt(group.Sum(r => (r - mean) * (r - mean)) / (groupSize - 1));
            for (int j = 0; j < groupSize; j++)
                advantages[start + j] = (float)((group[j] - mean) / (std + epsilon));
        }
        return advantages;
    }

    /// <summary>
    /// RLOO (Kool et al., 2019; Ahmadian et al., 2024): Ai = ri − (Σj≠i rj)/(k − 1), each response's baseline
    /// being the mean reward of the other responses to the same prompt.
    /// </summary>
    public static float[] Rloo(IReadOnlyList<float> rewards, int groupSize)
    {
        var advantages = new float[rewards.Count];
        foreach (var (start, group) in Groups(rewards, groupSize))
        {
            double sum = group.Sum(r => (double)r);
            for (int j = 0; j < groupSize; j++)
                advantages[start + j] = (float)(group[j] - (sum - group[j]) / (groupSize - 1));
        }
        return advantages;
    }

    static IEnumerable<(int Start, float[] Group)> Groups(IReadOnlyList<float> rewards, int groupSize)
    {
        if (groupSize < 2 || rewards.Count % groupSize != 0)
            throw new ArgumentException($"{rewards.Count} rewards do not split into groups of {groupSize} (at least 2).", nameof(groupSize));
        for (int start = 0; start < rewards.Count; start += groupSize)
            yield return (start, rewards.Skip(start).Take(groupSize).ToArray());
    }
}
