using System.Text.RegularExpressions;

namespace SharpTune.Objectives.Rl;

/// <summary>
/// The number of times a word occurs in the response, ignoring case and counting whole words only, so the
/// word "cat" scores 1 in "The cat sat." and 0 in "concatenate".
/// </summary>
public sealed class WordCountReward : IRewardFunction
{
    readonly Regex pattern;

    public WordCountReward(string word)
    {
        if (string.IsNullOrWhiteSpace(word))
            throw new ArgumentException("The word to count is empty.", nameof(word));
        // Lookarounds rather than \b, so a word that starts or ends with punctuation still needs a non-word neighbour.
        pattern = new Regex($@"(?<![\w]){Regex.Escape(word.Trim())}(?![\w])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }

    public float[] Score(IReadOnlyList<string> prompts, IReadOnlyList<string> responses) =>
        responses.Select(response => (float)pattern.Count(response)).ToArray();
}
