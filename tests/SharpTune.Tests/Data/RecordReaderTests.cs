using SharpTune.Data;

namespace SharpTune.Tests.Data;

public sealed class RecordReaderTests
{
    const string Good = """{"text": "a"}""";

    [Fact]
    public void JsonLines_SkipsBlankLines()
    {
        var path = TempDataFile.Write("data.jsonl", Good, "", "   ", Good);

        var records = RecordReader.Read(path);

        Assert.Equal(2, records.Count);
        Assert.Equal(1, records[0].Source.Line);
        Assert.Equal(4, records[1].Source.Line);
    }

    [Fact]
    public void JsonLines_MalformedLine_NamesLine()
    {
        var lines = Enumerable.Repeat(Good, 36).Append("""{"text": "a",}""").ToArray();
        var path = TempDataFile.Write("file.jsonl", lines);

        var ex = Assert.Throws<SharpTuneInputException>(() => RecordReader.Read(path));

        Assert.Contains("file.jsonl:37: invalid JSON", ex.Message);
        Assert.Contains("fix or remove this line", ex.Message);
    }

    [Fact]
    public void JsonLines_NonObject_Rejected()
    {
        var path = TempDataFile.Write("data.jsonl", Good, "42");

        var ex = Assert.Throws<SharpTuneInputException>(() => RecordReader.Read(path));

        Assert.Contains("data.jsonl:2: expected a JSON object, found a number", ex.Message);
    }

    [Fact]
    public void JsonArray_LineWhereElementStarts()
    {
        var path = TempDataFile.Write("data.json", "[", """  {"text": "a"},""", "  {", """    "text": "b" """, "  }", "]");

        var records = RecordReader.Read(path);

        Assert.Equal(2, records.Count);
        Assert.Equal(2, records[0].Source.Line);
        Assert.Equal(3, records[1].Source.Line);
        Assert.Equal("b", records[1].Value.GetProperty("text").GetString());
    }

    [Fact]
    public void JsonArray_OneLine_ErrorNamesTheItem()
    {
        var path = TempDataFile.Write("prompts.json", """["Once upon a time", "The cat", 7]""");

        var ex = Assert.Throws<SharpTuneInputException>(() => RecordReader.Read(path, allowStrings: true));

        Assert.Contains("prompts.json:1: [2]: expected a JSON object or string, found a number", ex.Message);
    }

    [Fact]
    public void JsonArray_Malformed_NamesLine()
    {
        var path = TempDataFile.Write("data.json", "[", """  {"text": "a"},""", """  {"text" "b"}""", "]");

        var ex = Assert.Throws<SharpTuneInputException>(() => RecordReader.Read(path));

        Assert.Contains("data.json:3: invalid JSON", ex.Message);
    }

    [Fact]
    public void JsonArray_MissingClosingBracket_Rejected()
    {
        var path = TempDataFile.Write("data.json", "[", """  {"text": "a"}""");

        var ex = Assert.Throws<SharpTuneInputException>(() => RecordReader.Read(path));

        Assert.Contains("data.json:", ex.Message);
        Assert.Contains("invalid JSON", ex.Message);
    }

    [Fact]
    public void EmptyFile_Rejected()
    {
        var path = TempDataFile.Write("data.jsonl", "", "  ");

        var ex = Assert.Throws<SharpTuneInputException>(() => RecordReader.Read(path));

        Assert.Contains("data.jsonl: no records found", ex.Message);
    }

    [Fact]
    public void EmptyArray_Rejected()
    {
        var path = TempDataFile.Write("data.json", "[ ]");

        var ex = Assert.Throws<SharpTuneInputException>(() => RecordReader.Read(path));

        Assert.Contains("no records found", ex.Message);
    }

    [Fact]
    public void MissingFile_Rejected()
    {
        var path = Path.Combine(TestPaths.NewTempDir(), "absent.jsonl");

        var ex = Assert.Throws<SharpTuneInputException>(() => RecordReader.Read(path));

        Assert.Contains($"{path}: data file not found", ex.Message);
    }
}
