using SharpTune.Tokenization;

namespace SharpTune.Data;

/// <summary>
/// Tokenizes text records for continued pre-training. Each document becomes <c>[BOS] + tokens + [EOS]</c>
/// (BOS only when the tokenizer adds one, EOS when it has one), and every token is a target except the first
/// of each row piece, which has no earlier token of its own document to be predicted from.
/// </summary>
public sealed class TextExampleBuilder
{
    readonly HfTokenizer _tokenizer;
    readonly int _maxLength;
    readonly bool _pack;
    readonly int? _contextWindow;

    /// <param name="tokenizer">Tokenizer of the model being trained.</param>
    /// <param name="maxLength">Row length in tokens: the block size when packing, the truncation length otherwise.</param>
    /// <param name="pack">Whether to concatenate documents and cut them into rows of exactly max_length
    /// (the last row may be shorter), or to make one truncated row per document.</param>
    /// <param name="contextWindow">The model's context window in tokens, only for counting longer documents.</param>
    public TextExampleBuilder(HfTokenizer tokenizer, int maxLength, bool pack, int? contextWindow = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        _tokenizer = tokenizer;
        _maxLength = maxLength;
        _pack = pack;
        _contextWindow = contextWindow;
    }

    /// <summary>Builds rows from the documents. Packed rows count no truncation because no token is lost.</summary>
    public TokenizedDataset Build(IEnumerable<TextRecord> records)
    {
        var documents = records.Select(record => (Ids: TokenizeDocument(record.Text), record.Source)).ToList();
        var longerThanContext = documents.Count(document => document.Ids.Count > _contextWindow);

        if (_pack)
            return new TokenizedDataset(Pack(documents.Select(d => d.Ids)), 0, 0, longerThanContext);

        var examples = new List<TokenizedExample>();
        var truncated = 0;
        foreach (var (ids, source) in documents)
        {
            if (ids.Count > _maxLength)
                truncated++;
            var kept = ids.Take(_maxLength).ToList();
            examples.Add(new TokenizedExample(kept, LabelsFor(kept), source: source));
        }
        return new TokenizedDataset(examples, truncated, 0, longerThanContext);
    }

    /// <summary>Returns <c>[BOS] + tokens + [EOS]</c> for one document.</summary>
    public IReadOnlyList<long> TokenizeDocument(string text)
    {
        var ids = new List<long>();
        if (_tokenizer.AddBos && _tokenizer.BosId is long bos)
            ids.Add(bos);
        ids.AddRange(_tokenizer.Encode(text));
        if (_tokenizer.EosId is long eos)
            ids.Add(eos);
        return ids;
    }

    /// <summary>
    /// Concatenates documents and cuts them into rows of max_length. Within a row each document piece gets the next
    /// segment id (from 1), positions from 0, and an ignored label on its first token.
    /// </summary>
    internal List<TokenizedExample> Pack(IEnumerable<IReadOnlyList<long>> documents)
    {
        var rows = new List<TokenizedExample>();
        var row = new PackedRow();
        foreach (var document in documents)
        {
            var offset = 0;
            while (offset < document.Count)
            {
                var take = Math.Min(_maxLength - row.Length, document.Count - offset);
                row.AddPiece(document, offset, take);
                offset += take;
                if (row.Length == _maxLength)
                {
                    rows.Add(row.ToExample());
                    row = new PackedRow();
                }
            }
        }
        if (row.Length > 0)
            rows.Add(row.ToExample());
        return rows;
    }

    static List<long> LabelsFor(IReadOnlyList<long> ids)
    {
        var labels = ids.ToList();
        labels[0] = Batch.IgnoreIndex;
        return labels;
    }

    sealed class PackedRow
    {
        readonly List<long> _ids = [], _labels = [], _positions = [], _segments = [];
        long _segment;

        public int Length => _ids.Count;

        public void AddPiece(IReadOnlyList<long> document, int offset, int count)
        {
            _segment++;
            for (var i = 0; i < count; i++)
            {
                var id = document[offset + i];
                _ids.Add(id);
                _labels.Add(i == 0 ? Batch.IgnoreIndex : id);
                _positions.Add(i);
                _segments.Add(_segment);
            }
        }

        public TokenizedExample ToExample() => new(_ids, _labels, _positions, _segments);
    }
}
