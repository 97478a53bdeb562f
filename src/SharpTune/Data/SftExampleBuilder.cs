using SharpTune.ChatTemplates;
using SharpTune.Tokenization;

namespace SharpTune.Data;

/// <summary>
/// Tokenizes alpaca and chat records for supervised fine-tuning: <c>[BOS] + prompt + response + [EOS]</c>,
/// with loss only on response tokens and the final EOS. With a chat template, chat records are the template's
/// text instead, trained on every assistant turn and its end-of-turn token (see <see cref="ChatTemplatePrompt"/>).
/// </summary>
/// <remarks>
/// Template text is tokenized without adding BOS or EOS, as transformers does for a rendered chat template,
/// because the template places its own special tokens. So BOS is never duplicated.
/// Segments are tokenized separately, so prompt tokens never merge with response tokens. Labels are masked by
/// position, never by token id, so the EOS keeps its label even when the pad id equals the EOS id.
/// NOTE: with a Llama-style normalizer that prepends "▁", each separately encoded segment starts with a
/// word-boundary marker, so the response begins as if after a space, as in Hugging Face's own per-segment encoding.
/// </remarks>
public sealed class SftExampleBuilder
{
    readonly HfTokenizer _tokenizer;
    readonly int _maxLength;
    readonly int? _contextWindow;
    readonly long _eosId;
    readonly ModelChatTemplate? _chatTemplate;
    readonly bool _maskHistory;

    /// <param name="tokenizer">Tokenizer of the model being trained; it must define EOS.</param>
    /// <param name="maxLength">max_length in tokens; longer examples are cut from the end.</param>
    /// <param name="contextWindow">The model's context window in tokens, only for counting longer examples.</param>
    /// <param name="chatTemplate">The model's chat template for chat records, or null for <see cref="ChatFallbackPrompt"/>.</param>
    /// <param name="maskHistory">Whether only the last assistant turn of a chat record carries loss.</param>
    public SftExampleBuilder(HfTokenizer tokenizer, int maxLength, int? contextWindow = null,
        ModelChatTemplate? chatTemplate = null, bool maskHistory = false)
    {
        _chatTemplate = chatTemplate;
        _maskHistory = maskHistory;
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        _tokenizer = tokenizer;
        _maxLength = maxLength;
        _contextWindow = contextWindow;
        _eosId = tokenizer.EosId ?? throw new SharpTuneInputException(
            "the tokenizer defines no EOS token, so SFT examples cannot mark where a response ends; " +
            "set eos_token in tokenizer_config.json");
    }

    /// <summary>Builds one row per record, dropping those left with no response token after truncation.</summary>
    public TokenizedDataset Build(IEnumerable<TrainingRecord> records)
    {
        var examples = new List<TokenizedExample>();
        int truncated = 0, dropped = 0, longerThanContext = 0;
        foreach (var record in records)
        {
            var (ids, labels) = record is ChatRecord chat && _chatTemplate is not null
                ? Tokenize(RenderWithTemplate(chat), addSpecialTokens: false)
                : Tokenize(Render(record));
            if (ids.Count > _contextWindow)
                longerThanContext++;

            if (ids.Count > _maxLength)
            {
                ids.RemoveRange(_maxLength, ids.Count - _maxLength);
                labels.RemoveRange(_maxLength, labels.Count - _maxLength);
                if (labels.TrueForAll(label => label == Batch.IgnoreIndex))
                {
                    dropped++;
                    continue;
                }
                truncated++;
            }
            examples.Add(new TokenizedExample(ids, labels, source: record.Source));
        }
        return new TokenizedDataset(examples, truncated, dropped, longerThanContext);
    }

    /// <summary>Splits a record into masked prompt and trainable response segments.</summary>
    public static IReadOnlyList<PromptSegment> Render(TrainingRecord record) => record switch
    {
        AlpacaRecord alpaca =>
        [
            new PromptSegment(AlpacaPrompt.Render(alpaca.Instruction, alpaca.Input), Trainable: false),
            new PromptSegment(alpaca.Output, Trainable: true),
        ],
        ChatRecord chat => ChatFallbackPrompt.Render(chat.Messages),
        _ => throw new ArgumentException(
            $"SFT needs alpaca or chat records, not {record.GetType().Name}; use TextExampleBuilder for text", nameof(record)),
    };

    IReadOnlyList<PromptSegment> RenderWithTemplate(ChatRecord chat)
    {
        try
        {
            return ChatTemplatePrompt.Render(_chatTemplate!, chat.Messages, _maskHistory);
        }
        catch (ChatTemplateException ex)
        {
            throw chat.Source.Error("messages",
                $"the model's chat template failed on this conversation: {ex.Message}");
        }
    }

    /// <summary>
    /// Tokenizes segments without truncation with position-based labels: ids = [BOS] + segments + [EOS], or only
    /// the segments when <paramref name="addSpecialTokens"/> is false.
    /// </summary>
    internal (List<long> Ids, List<long> Labels) Tokenize(IReadOnlyList<PromptSegment> segments, bool addSpecialTokens = true)
    {
        var ids = new List<long>();
        var labels = new List<long>();
        var lastTokenTrainable = false;
        foreach (var segment in segments)
        {
            foreach (var id in _tokenizer.Encode(segment.Text))
            {
                ids.Add(id);
                labels.Add(segment.Trainable ? id : Batch.IgnoreIndex);
                lastTokenTrainable = segment.Trainable;
            }
        }

        if (!addSpecialTokens)
            return (ids, labels);

        // Text that itself begins with the BOS string already encodes to BOS, so it is not added twice.
        if (_tokenizer.AddBos && _tokenizer.BosId is long bos && (ids.Count == 0 || ids[0] != bos))
        {
            ids.Insert(0, bos);
            labels.Insert(0, Batch.IgnoreIndex);
        }

        // Likewise a response whose text ends in the EOS string already ends with a labelled EOS.
        if (!(lastTokenTrainable && ids[^1] == _eosId))
        {
            ids.Add(_eosId);
            labels.Add(_eosId);
        }
        return (ids, labels);
    }
}
