using System.Globalization;
using System.Text.Json;
using SharpTune.Tokenization;

namespace SharpTune.Data;

/// <summary>
/// Text classification records (<c>{"text": ..., "label": ...}</c>) tokenized for the classify objective: each row
/// is <c>[BOS] + text tokens</c>, truncated to max_length, with the class id as the label of its last token and
/// <see cref="Batch.IgnoreIndex"/> everywhere else. The head pools at that token, so the shared trainer loop and
/// collator need nothing else.
/// </summary>
public static class ClassificationExamples
{
    /// <summary>Text field names tried, in order, when the configured text field is the default <c>text</c> and absent.</summary>
    public static readonly IReadOnlyList<string> TextAliases = ["text", "verse_text", "sentence"];

    /// <summary>Reads the labels in <paramref name="path"/> and returns them sorted: numerically when all are numbers.</summary>
    public static IReadOnlyList<string> LabelSet(string path, string labelField) =>
        SortLabels(RecordReader.Read(path).Select(r => LabelOf(r, labelField)).Distinct().ToList());

    /// <summary>Tokenizes the file's records; <paramref name="labels"/> gives the class id of each label.</summary>
    public static TokenizedDataset Build(string path, HfTokenizer tokenizer, int maxLength, string textField, string labelField,
        IReadOnlyList<string> labels)
    {
        var examples = new List<TokenizedExample>();
        int truncated = 0;
        foreach (var record in RecordReader.Read(path))
        {
            var label = LabelOf(record, labelField);
            int classId = IndexOf(labels, label);
            if (classId < 0)
                throw record.Source.Error(labelField,
                    $"label {label} does not occur in the training data (classes: {string.Join(", ", labels)}); remove the record or add training examples of it");

            var ids = new List<long>();
            if (tokenizer.AddBos && tokenizer.BosId is long bos)
                ids.Add(bos);
            ids.AddRange(tokenizer.Encode(TextOf(record, textField)));
            if (ids.Count > maxLength)
            {
                ids.RemoveRange(maxLength, ids.Count - maxLength);
                truncated++;
            }
            if (ids.Count == 0)
                throw record.Source.Error(textField, "the text is empty; remove the record");
            var targets = Enumerable.Repeat(Batch.IgnoreIndex, ids.Count).ToArray();
            targets[^1] = classId;
            examples.Add(new TokenizedExample(ids, targets, source: record.Source));
        }
        return new TokenizedDataset(examples, truncated, 0, 0);
    }

    static int IndexOf(IReadOnlyList<string> labels, string label)
    {
        for (int i = 0; i < labels.Count; i++)
            if (labels[i] == label)
                return i;
        return -1;
    }

    static string TextOf(JsonRecord record, string textField)
    {
        var candidates = textField == "text" ? TextAliases : [textField];
        foreach (var name in candidates)
            if (record.Value.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
                return value.GetString()!;
        throw record.Source.Error(textField,
            $"missing or not a string; set data.text_field to the record's text field (tried: {string.Join(", ", candidates)})");
    }

    /// <summary>A label as text: a JSON string's value, or a number's literal such as <c>-1</c>.</summary>
    static string LabelOf(JsonRecord record, string labelField)
    {
        if (!record.Value.TryGetProperty(labelField, out var value))
            throw record.Source.Error(labelField,
                "missing; set data.label_field to the record's label field");
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            _ => throw record.Source.Error(labelField,
                $"a label must be a string or a number, got {value.ValueKind}; fix the record"),
        };
    }

    static IReadOnlyList<string> SortLabels(List<string> labels)
    {
        bool numeric = labels.All(l => double.TryParse(l, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        return numeric
            ? labels.OrderBy(l => double.Parse(l, CultureInfo.InvariantCulture)).ToList()
            : labels.Order(StringComparer.Ordinal).ToList();
    }
}
