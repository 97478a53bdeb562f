using SharpTune.Tokenization;

namespace SharpTune.Data;

/// <summary>The tokenized chosen and rejected rows of one <see cref="PreferencePair"/>.</summary>
public sealed record TokenizedPair(TokenizedExample Chosen, TokenizedExample Rejected);

/// <summary>
/// Tokenizes preference pairs: each row is BOS (when the tokenizer adds one), the prompt, the response and EOS.
/// Only response tokens and EOS are labelled, so a row's summed label log-probability is log π(y|x).
/// </summary>
/// <remarks>
/// A row longer than <c>maxLength</c> keeps the end of its prompt (the turns nearest the response) and the start of
/// its response. The prompt keeps at least half of <c>maxLength</c> when it is that long, as TRL's DPO trainer
/// keeps the prompt end by default.
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
        return new TokenizedPair(Row(prompt, pair.Chosen, pair.Source), Row(prompt, pair.Rejected, pair.Source));
    }

    /// <summary>Tokenizes one prompt and response as a single row, the way each side of a pair is built.</summary>
    public TokenizedExample BuildRow(string prompt, string response, RecordSource? source = null) =>
        Row(PromptIds(prompt), response, source);

    List<long> PromptIds(string prompt)
    {
        var ids = new List<long>();
        if (tokenizer.AddBos && tokenizer.BosId is long bos)
            ids.Add(bos);
        ids.AddRange(tokenizer.Encode(prompt));
        return ids;
    }

    TokenizedExample Row(List<long> prompt, string responseText, RecordSource? source)
    {
        var response = tokenizer.Encode(responseText).Append(eosId).ToList();
        var promptPart = prompt;
        if (prompt.Count + response.Count > maxLength)
        {
            TruncatedCount++;
            int promptBudget = Math.Max(Math.Min(prompt.Count, maxLength / 2), maxLength - response.Count);
            promptBudget = Math.Max(1, Math.Min(promptBudget, maxLength - 1));
            promptPart = prompt.Skip(prompt.Count - Math.Min(prompt.Count, promptBudget)).ToList();
            response = response.Take(maxLength - promptPart.Count).ToList();
        }

        var ids = promptPart.Concat(response).ToList();
        var labels = Enumerable.Repeat(Batch.IgnoreIndex, promptPart.Count).Concat(response).ToList();
        return new TokenizedExample(ids, labels, source: source);
    }
}
