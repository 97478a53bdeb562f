using SharpTune.Data;

namespace SharpTune.Tests.Data;

public sealed class RecordParserTests
{
    static SharpTuneInputException ParseFails(string fileName, DatasetFormat format, params string[] lines)
    {
        var path = TempDataFile.Write(fileName, lines);
        return Assert.Throws<SharpTuneInputException>(() => RecordParser.Load(path, format));
    }

    [Theory]
    [InlineData("""{"text": "x"}""", DatasetFormat.Text)]
    [InlineData("""{"instruction": "x", "output": "y"}""", DatasetFormat.Alpaca)]
    [InlineData("""{"question": "x", "answer": "y"}""", DatasetFormat.Alpaca)]
    [InlineData("""{"prompt": "x", "response": "y", "text": "z"}""", DatasetFormat.Alpaca)]
    [InlineData("""{"messages": [{"role": "assistant", "content": "y"}]}""", DatasetFormat.Chat)]
    public void Auto_DetectsFormat(string line, DatasetFormat expected)
    {
        var parsed = RecordParser.Load(TempDataFile.Write("data.jsonl", line));

        Assert.Equal(expected, parsed.Format);
    }

    [Fact]
    public void Alpaca_ReadsAliases()
    {
        var path = TempDataFile.Write("data.jsonl", """{"prompt": "p", "input": "i", "answer": "a"}""");

        var record = Assert.IsType<AlpacaRecord>(RecordParser.Load(path).Records[0]);

        Assert.Equal("p", record.Instruction);
        Assert.Equal("i", record.Input);
        Assert.Equal("a", record.Output);
    }

    [Fact]
    public void Alpaca_NullInputIsEmpty()
    {
        var path = TempDataFile.Write("data.jsonl", """{"instruction": "p", "input": null, "output": "a"}""");

        var record = Assert.IsType<AlpacaRecord>(RecordParser.Load(path).Records[0]);

        Assert.Equal("", record.Input);
    }

    [Fact]
    public void Alpaca_MissingOutput_NamesLineAndField()
    {
        var good = """{"instruction": "x", "output": "y"}""";
        var ex = ParseFails("data.jsonl", DatasetFormat.Auto, good, good, """{"instruction": "x"}""");

        Assert.Contains("data.jsonl:3: output: missing", ex.Message);
        Assert.Contains("each alpaca record needs", ex.Message);
    }

    [Fact]
    public void Alpaca_NumberOutput_NamesType()
    {
        var ex = ParseFails("data.jsonl", DatasetFormat.Auto, """{"instruction": "x", "output": 5}""");

        Assert.Contains("data.jsonl:1: output: expected a string, found a number", ex.Message);
    }

    [Fact]
    public void Alpaca_WrongTypeNamesAliasUsed()
    {
        var ex = ParseFails("data.jsonl", DatasetFormat.Auto, """{"question": ["x"], "answer": "y"}""");

        Assert.Contains("data.jsonl:1: question: expected a string, found an array", ex.Message);
    }

    [Fact]
    public void Alpaca_TwoOutputAliases_Rejected()
    {
        var ex = ParseFails("data.jsonl", DatasetFormat.Auto, """{"instruction": "x", "output": "y", "response": "z"}""");

        Assert.Contains("data.jsonl:1: output: fields `output` and `response` are both present", ex.Message);
    }

    [Fact]
    public void Auto_MixedRecords_NamesLine()
    {
        var ex = ParseFails("data.jsonl", DatasetFormat.Auto, """{"instruction": "x", "output": "y"}""", """{"text": "z"}""");

        Assert.Contains("data.jsonl:2: record has text fields, but line 1 set the format to alpaca", ex.Message);
    }

    [Fact]
    public void Auto_UnknownFields_ListsThem()
    {
        var ex = ParseFails("data.jsonl", DatasetFormat.Auto, """{"title": "x", "body": "y"}""");

        Assert.Contains("data.jsonl:1: cannot detect the dataset format from fields `title`, `body`", ex.Message);
    }

    [Fact]
    public void ExplicitText_OnAlpacaRecord_MissingText()
    {
        var ex = ParseFails("data.jsonl", DatasetFormat.Text, """{"instruction": "x", "output": "y"}""");

        Assert.Contains("data.jsonl:1: text: missing; each text record needs", ex.Message);
    }

    [Fact]
    public void Chat_ReadsMessages()
    {
        var path = TempDataFile.Write("data.jsonl",
            """{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}""");

        var record = Assert.IsType<ChatRecord>(RecordParser.Load(path).Records[0]);

        Assert.Equal([new ChatMessage("user", "hi"), new ChatMessage("assistant", "hello")], record.Messages);
    }

    [Fact]
    public void Chat_InvalidRole_NamesMessage()
    {
        var ex = ParseFails("data.jsonl", DatasetFormat.Auto,
            """{"messages": [{"role": "user", "content": "hi"}, {"role": "bot", "content": "x"}]}""");

        Assert.Contains("data.jsonl:1: messages[1].role: invalid role \"bot\"", ex.Message);
    }

    [Fact]
    public void Chat_MissingContent_NamesMessage()
    {
        var ex = ParseFails("data.jsonl", DatasetFormat.Auto, """{"messages": [{"role": "assistant"}]}""");

        Assert.Contains("data.jsonl:1: messages[0].content: missing", ex.Message);
    }

    [Fact]
    public void Chat_NoAssistant_Rejected()
    {
        var ex = ParseFails("data.jsonl", DatasetFormat.Auto, """{"messages": [{"role": "user", "content": "hi"}]}""");

        Assert.Contains("data.jsonl:1: messages: no assistant message", ex.Message);
    }

    [Fact]
    public void Chat_MessagesNotArray_Rejected()
    {
        var ex = ParseFails("data.jsonl", DatasetFormat.Auto, """{"messages": "hi"}""");

        Assert.Contains("data.jsonl:1: messages: expected an array, found a string", ex.Message);
    }

    [Fact]
    public void Gsm8k_LoadsAsAlpaca()
    {
        var parsed = RecordParser.Load(TestPaths.SharedData("gsm8k_sft.dev.jsonl"));

        Assert.Equal(DatasetFormat.Alpaca, parsed.Format);
        Assert.Equal(400, parsed.Records.Count);
        var first = Assert.IsType<AlpacaRecord>(parsed.Records[0]);
        Assert.StartsWith("Mary does her grocery shopping on Saturday.", first.Instruction);
        Assert.Equal("", first.Input);
        Assert.Contains("#### ", first.Output);
        Assert.Equal(400, parsed.Records[^1].Source.Line);
    }

    [Fact]
    public void GpTeacher_LoadsAsAlpacaWithInput()
    {
        var parsed = RecordParser.Load(TestPaths.SharedData("gpteacher_codegen_alpaca.dev.jsonl"));

        Assert.Equal(DatasetFormat.Alpaca, parsed.Format);
        Assert.Equal(400, parsed.Records.Count);
        var first = Assert.IsType<AlpacaRecord>(parsed.Records[0]);
        Assert.Equal("Translate the following C code to output a factorial in Python.", first.Instruction);
        Assert.StartsWith("#include <stdio.h>", first.Input);
        Assert.NotEqual("", first.Output);
    }

    [Fact]
    public void Grimm_LoadsAsText()
    {
        var parsed = RecordParser.Load(TestPaths.SharedData("grimm_fairy_tales_text.dev.jsonl"));

        Assert.Equal(DatasetFormat.Text, parsed.Format);
        Assert.Equal(24, parsed.Records.Count);
        var first = Assert.IsType<TextRecord>(parsed.Records[0]);
        Assert.StartsWith("A certain king had a beautiful garden", first.Text);
    }
}
