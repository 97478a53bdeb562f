using SharpTune.ChatTemplates;
using SharpTune.Tokenization;

namespace SharpTune.Data;

/// <summary>A run of decoded text whose tokens all carry loss or all do not.</summary>
public sealed record TrainedSpan(string Text, bool Trained, int TokenCount);

/// <summary>
/// The first example of a data file as training would see it: tokenized with the model's tokenizer and chat template,
/// split into runs of trained and untrained tokens, for showing which tokens carry loss.
/// </summary>
public sealed record TrainedSpans(DatasetFormat Format, RecordSource Source, IReadOnlyList<TrainedSpan> Spans)
{
    public int TokenCount => Spans.Sum(s => s.TokenCount);

    public int TrainedTokenCount => Spans.Where(s => s.Trained).Sum(s => s.TokenCount);

    /// <summary>
    /// Tokenizes the first record of <paramref name="dataPath"/> as SFT (alpaca and chat) or pre-training (text)
    /// does, unpacked and truncated to <paramref name="maxLength"/> tokens.
    /// </summary>
    public static TrainedSpans ForFirstRecord(string dataPath, HfTokenizer tokenizer, ModelChatTemplate? chatTemplate, int maxLength)
    {
        var parsed = RecordParser.Load(dataPath);
        var first = parsed.Records[0];
        var dataset = first is TextRecord text
            ? new TextExampleBuilder(tokenizer, maxLength, pack: false).Build([text])
            : new SftExampleBuilder(tokenizer, maxLength, chatTemplate: chatTemplate).Build([first]);
        if (dataset.Examples.Count == 0)
            throw first.Source.Error(null,
                $"the first record has no trained token left after truncation to {maxLength} tokens; shorten its prompt");
        var example = dataset.Examples[0];
        return new TrainedSpans(parsed.Format, first.Source, Split(example.InputIds, example.Labels, tokenizer));
    }

    // A token's text is the growth of the decoded prefix, so tokenizers that drop a word-boundary marker when
    // decoding a lone token (SentencePiece "▁") still show the spaces it produces in context. Special tokens,
    // which decoding skips, are shown by their text.
    static List<TrainedSpan> Split(IReadOnlyList<long> ids, IReadOnlyList<long> labels, HfTokenizer tokenizer)
    {
        var spans = new List<TrainedSpan>();
        var plainIds = new List<long>();
        string decodedBefore = "";
        var text = new System.Text.StringBuilder();
        int count = 0;
        for (int i = 0; i < ids.Count; i++)
        {
            bool trained = labels[i] != Batch.IgnoreIndex;
            if (count > 0 && trained != CurrentTrained(labels, i - 1))
            {
                spans.Add(new TrainedSpan(text.ToString(), CurrentTrained(labels, i - 1), count));
                text.Clear();
                count = 0;
            }

            if (tokenizer.SpecialTokenText(ids[i]) is string special)
                text.Append(special);
            else
            {
                plainIds.Add(ids[i]);
                var decoded = tokenizer.Decode(plainIds);
                text.Append(decoded.StartsWith(decodedBefore, StringComparison.Ordinal)
                    ? decoded[decodedBefore.Length..]
                    : tokenizer.Decode([ids[i]]));
                decodedBefore = decoded;
            }
            count++;
        }
        if (count > 0)
            spans.Add(new TrainedSpan(text.ToString(), CurrentTrained(labels, ids.Count - 1), count));
        return spans;
    }

    static bool CurrentTrained(IReadOnlyList<long> labels, int index) => labels[index] != Batch.IgnoreIndex;
}
