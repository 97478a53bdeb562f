using SharpTune.Data;
using SharpTune.Tests.Data;
using SharpTune.Training;

namespace SharpTune.Tests.Preferences;

public class ScoreRecordsTests
{
    [Fact]
    public void Conversation_SplitsOffTheSharedPrompt()
    {
        var path = TempDataFile.Write("pairs.jsonl",
            """{"chosen":"\n\nHuman: Hi\n\nAssistant: Hello.","rejected":"\n\nHuman: Hi\n\nAssistant: Go away."}""");

        var pair = Assert.Single(ScoreRecords.Load(path).Pairs);

        Assert.Equal(("\n\nHuman: Hi\n\nAssistant:", " Hello.", " Go away."), (pair.Prompt, pair.Chosen, pair.Rejected));
    }

    [Fact]
    public void ResponseAndTextRecords_BecomeRows()
    {
        var responses = TempDataFile.Write("rows.jsonl", """{"prompt":"Q","response":"A"}""");
        var texts = TempDataFile.Write("texts.jsonl", """{"text":"T"}""");

        Assert.Equal(new ScoreRow("Q", "A", new RecordSource(responses, 1)), Assert.Single(ScoreRecords.Load(responses).Rows));
        Assert.Equal(new ScoreRow("", "T", new RecordSource(texts, 1)), Assert.Single(ScoreRecords.Load(texts).Rows));
    }

    [Fact]
    public void UnknownRankingEntryField_NamesItsPath()
    {
        var path = TempDataFile.Write("rankings.jsonl",
            """{"prompt":"p","rankings":[{"output":"a","rank":1},{"output":"b","rank":2,"score":3}]}""");

        var error = Assert.Throws<SharpTuneInputException>(() => ScoreRecords.Load(path));

        Assert.StartsWith($"{path}:1: rankings[1].score: unknown field in a ranking entry", error.Message);
    }

    [Fact]
    public void PairsAndRowsInOneFile_Rejected()
    {
        var path = TempDataFile.Write("mixed.jsonl", """{"prompt":"p","chosen":"a","rejected":"b"}""", """{"text":"t"}""");

        var error = Assert.Throws<SharpTuneInputException>(() => ScoreRecords.Load(path));

        Assert.StartsWith($"{path}:2: the file mixes preference records (line 1) and single responses (line 2)", error.Message);
    }

    [Fact]
    public void RecordOfNoForm_Rejected()
    {
        var path = TempDataFile.Write("other.jsonl", """{"question":"q"}""");

        var error = Assert.Throws<SharpTuneInputException>(() => ScoreRecords.Load(path));

        Assert.StartsWith($"{path}:1: question: unknown field;", error.Message);
    }

    [Fact]
    public void PromptWithoutResponse_NamesTheMissingField()
    {
        var path = TempDataFile.Write("prompt-only.jsonl", """{"prompt":"p"}""");

        var error = Assert.Throws<SharpTuneInputException>(() => ScoreRecords.Load(path));

        Assert.StartsWith($"{path}:1: response: missing;", error.Message);
    }

    // Two pairs ordered right, one wrong and one tie (counted wrong): accuracy 0.5; margins 1, 2, -1, 0 average 0.5.
    [Fact]
    public void FromRewards_CountsTiesAsWrong()
    {
        var metrics = PreferenceMetrics.FromRewards([2f, 3f, 0f, 1f], [1f, 1f, 1f, 1f]);

        Assert.Equal(new PreferenceMetrics(0.5, 1.5, 1, 0.5, 4), metrics);
    }
}
