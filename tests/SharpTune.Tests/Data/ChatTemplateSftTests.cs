using SharpTune.ChatTemplates;
using SharpTune.Data;
using SharpTune.Tokenization;
using static SharpTune.Tests.Data.TinyChatTokenizer;

namespace SharpTune.Tests.Data;

/// <summary>
/// SFT on chat records with the model's chat template: which tokens carry loss in a multi-turn dialogue. The
/// expected ids and labels are written out by hand from the template text.
/// </summary>
public class ChatTemplateSftTests
{
    const long Masked = Batch.IgnoreIndex;

    static readonly ChatMessage[] Dialogue =
    [
        new("system", "be brief"),
        new("user", "hi"),
        new("assistant", "hello"),
        new("user", "bye"),
        new("assistant", "ok"),
    ];

    static (List<long> Ids, List<long> Labels) Build(string template, string eos, string? bos = null, bool maskHistory = false)
    {
        var dir = Create(template, eos, bos);
        using var tokenizer = HfTokenizer.Load(dir);
        var builder = new SftExampleBuilder(tokenizer, maxLength: 256, chatTemplate: ModelChatTemplate.Load(dir), maskHistory: maskHistory);
        var example = builder.Build([new ChatRecord(Dialogue, new RecordSource("chat.jsonl", 1))]).Examples.Single();
        return (example.InputIds.ToList(), example.Labels.ToList());
    }

    // <|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nhello<|im_end|>\n
    // <|im_start|>user\nbye<|im_end|>\n<|im_start|>assistant\nok<|im_end|>\n
    static readonly long[] ChatMlIds =
    [
        ImStart, SystemWord, Newline, Be, Brief, ImEnd, Newline,
        ImStart, User, Newline, Hi, ImEnd, Newline,
        ImStart, Assistant, Newline, Hello, ImEnd, Newline,
        ImStart, User, Newline, Bye, ImEnd, Newline,
        ImStart, Assistant, Newline, Ok, ImEnd, Newline,
    ];

    [Fact]
    public void ChatMlIdsFollowTemplate() => Assert.Equal(ChatMlIds, Build(ChatMl, "<|im_end|>").Ids);

    [Fact]
    public void ChatMlLabelsAssistantTurns()
    {
        long[] expected =
        [
            Masked, Masked, Masked, Masked, Masked, Masked, Masked,
            Masked, Masked, Masked, Masked, Masked, Masked,
            Masked, Masked, Masked, Hello, ImEnd, Masked,
            Masked, Masked, Masked, Masked, Masked, Masked,
            Masked, Masked, Masked, Ok, ImEnd, Masked,
        ];
        Assert.Equal(expected, Build(ChatMl, "<|im_end|>").Labels);
    }

    [Fact]
    public void ChatMlMaskHistoryTrainsLastTurnOnly()
    {
        var labels = Build(ChatMl, "<|im_end|>", maskHistory: true).Labels;
        Assert.Equal([Ok, ImEnd], labels.Where(label => label != Masked));
    }

    // <|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nbe brief<|eot_id|>
    // <|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nhello<|eot_id|>
    // <|start_header_id|>user<|end_header_id|>\n\nbye<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nok<|eot_id|>
    static readonly long[] Llama3Ids =
    [
        BeginOfText,
        StartHeader, SystemWord, EndHeader, Newline, Newline, Be, Brief, EotId,
        StartHeader, User, EndHeader, Newline, Newline, Hi, EotId,
        StartHeader, Assistant, EndHeader, Newline, Newline, Hello, EotId,
        StartHeader, User, EndHeader, Newline, Newline, Bye, EotId,
        StartHeader, Assistant, EndHeader, Newline, Newline, Ok, EotId,
    ];

    [Fact]
    public void Llama3IdsHaveOneBos() => Assert.Equal(Llama3Ids, Build(Llama3, "<|eot_id|>", "<|begin_of_text|>").Ids);

    [Fact]
    public void Llama3LabelsAssistantTurns()
    {
        long[] expected =
        [
            Masked,
            Masked, Masked, Masked, Masked, Masked, Masked, Masked, Masked,
            Masked, Masked, Masked, Masked, Masked, Masked, Masked,
            Masked, Masked, Masked, Masked, Masked, Hello, EotId,
            Masked, Masked, Masked, Masked, Masked, Masked, Masked,
            Masked, Masked, Masked, Masked, Masked, Ok, EotId,
        ];
        Assert.Equal(expected, Build(Llama3, "<|eot_id|>", "<|begin_of_text|>").Labels);
    }

    [Fact]
    public void TemplateRejectionNamesRecord()
    {
        var dir = Create("{{ raise_exception('roles must alternate') }}", "<|im_end|>");
        using var tokenizer = HfTokenizer.Load(dir);
        var builder = new SftExampleBuilder(tokenizer, maxLength: 64, chatTemplate: ModelChatTemplate.Load(dir));
        var error = Assert.Throws<SharpTuneInputException>(() =>
            builder.Build([new ChatRecord(Dialogue, new RecordSource("chat.jsonl", 3))]));
        Assert.StartsWith("chat.jsonl:3: messages: ", error.Message);
    }
}
