using SharpTune.Tokenization;

namespace SharpTune.Data;

/// <summary>The tokenized chosen and rejected rows of one <see cref="PreferencePair"/>.</summary>
public sealed record TokenizedPair(TokenizedExample Chosen, TokenizedExample Rejected);

/// <summary>
/// Tokenizes preference pairs: each row is BOS (when the tokenizer adds one), the prompt, the response and EOS.
/// Only response tokens and EOS are labelled, so a row's summed label log-probability is log π(y|x).
/// </summary>
/// <remarks>
/// A pair longer than <c>maxLength</c> keeps the end of its prompt (the turns nearest the response) and the start of
/// each response. The prompt keeps at least half of <c>maxLength</c> when it is that long, as TRL's DPO trainer
/// keeps the prompt end by default, and both rows keep the same prompt tokens.
/// </remarks>
public sealed class PreferenceExampleBuilder(HfTokenizer tokenizer, int maxLength)
{
    readonly long eosId = tokenizer.EosId ?? throw new SharpTuneInputException(
        "the tokenizer defines no EOS token, so preference rows cannot mark where a response ends; set eos_token in tokenizer_config.json");

    /// <summary>Number of rows that lost prompt or response tokens to max_length in the pairs built so far.</summary>
    public int TruncatedCount { get; private set; }

    public IReadOnlyList<TokenizedPair> Build(IEnumerable<PreferencePair> pairs) => pairs.Select(Build).ToList();

    public TokenizedPair Build(PreferencePair pair)
    {
        var prompt = PromptIds(pair.Prompt);
        var chosen = ResponseIds(pair.Chosen);
        var rejected = ResponseIds(pair.Rejected);

        // One prompt cut for both rows, sized by the longer response as TRL does, so both responses answer the same
        // prompt and ReFT edits the same prompt tokens in both.
        var promptPart = PromptPart(prompt, Math.Max(chosen.Count, rejected.Count));
        return new TokenizedPair(Row(prompt, promptPart, chosen, pair.Source), Row(prompt, promptPart, rejected, pair.Source));
    }

    /// <summary>Tokenizes one prompt and response as a single row, the way each side of a pair is built.</summary>
    public TokenizedExample BuildRow(string prompt, string response, RecordSource? source = null)
    {
        var promptIds = PromptIds(prompt);
        var responseIds = ResponseIds(response);
        return Row(promptIds, PromptPart(promptIds, responseIds.Count), responseIds, source);
    }

    List<long> PromptIds(string prompt)
    {
        var ids = new List<long>();
        if (tokenizer.AddBos && tokenizer.BosId is long bos)
            ids.Add(bos);
        ids.AddRange(tokenizer.Encode(prompt));
        return ids;
    }

    List<long> ResponseIds(string response) => tokenizer.Encode(response).Append(eosId).ToList();

    /// <summary>Returns the end of <paramref name="prompt"/> that fits beside a response of <paramref name="responseLength"/> tokens.</summary>
    List<long> PromptPart(List<long> prompt, int responseLength)
    {
        if (prompt.Count + responseLength <= maxLength)
            return prompt;
        int promptBudget = Math.Max(Math.Min(prompt.Count, maxLength / 2), maxLength - responseLength);
        promptBudget = Math.Max(1, Math.Min(promptBudget, maxLength - 1));
        return prompt.Skip(prompt.Count - Math.Min(prompt.Count, promptBudget)).ToList();
    }

    TokenizedExample Row(List<long> prompt, List<long> promptPart, List<long> response, RecordSource? source)
    {
        if (promptPart.Count < prompt.Count || promptPart.Count + response.Count > maxLength)
        {
            TruncatedCount++;
            response = response.Take(maxLength - promptPart.Count).ToList();
        }

        var ids = promptPart.Concat(response).ToList();
        var labels = Enumerable.Repeat(Batch.IgnoreIndex, promptPart.Count).Concat(response).ToList();
        return new TokenizedExample(ids, labels, source: source);
    }
}
