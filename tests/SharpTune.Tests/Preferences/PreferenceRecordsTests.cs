using SharpTune.Data;

namespace SharpTune.Tests.Preferences;

public class PreferenceRecordsTests
{
    static string WriteJsonl(params string[] lines)
    {
        var path = Path.Combine(TestPaths.NewTempDir("sharptune-prefs"), "prefs.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void Rankings_ThreeItemsGiveThreePairs()
    {
        var path = WriteJsonl("""{"prompt":"p","rankings":[{"output":"b","rank":2},{"output":"a","rank":1,"label":"best"},{"output":"c","rank":3}]}""");

        var pairs = PreferenceRecords.Load(path).Select(p => (p.Chosen, p.Rejected)).OrderBy(p => p).ToList();

        Assert.Equal([("a", "b"), ("a", "c"), ("b", "c")], pairs);
    }

    [Fact]
    public void Rankings_EqualRanksFormNoPair()
    {
        var path = WriteJsonl("""{"prompt":"p","rankings":[{"output":"a","rank":1},{"output":"b","rank":1},{"output":"c","rank":2}]}""");

        Assert.Equal(2, PreferenceRecords.Load(path).Count);
    }

    [Fact]
    public void Pair_KeepsPromptAndReasoning()
    {
        var path = WriteJsonl("""{"prompt":"Q","chosen":"good","rejected":"bad","reasoning":"kinder"}""");

        var pair = Assert.Single(PreferenceRecords.Load(path));

        Assert.Equal(new PreferencePair("Q", "good", "bad", "kinder", new RecordSource(path, 1)), pair);
    }

    [Fact]
    public void Conversation_SplitsAtLastSharedAssistantMarker()
    {
        var chosen = "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: help?\n\nAssistant: Sure.";
        var rejected = "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: help?\n\nAssistant: No.";

        var split = PreferenceRecords.SplitConversation(chosen, rejected);

        Assert.Equal(("\n\nHuman: hi\n\nAssistant: hello\n\nHuman: help?\n\nAssistant:", " Sure.", " No."), split);
    }

    [Fact]
    public void Conversation_SharedResponseStartStaysInResponse()
    {
        // Both answers start with " I", which is common text but not part of the prompt.
        var split = PreferenceRecords.SplitConversation("\n\nHuman: q\n\nAssistant: I can", "\n\nHuman: q\n\nAssistant: I won't");

        Assert.Equal(" I can", split?.Chosen);
    }

    [Fact]
    public void HhRlhf_EveryRecordSplitsIntoPromptAndResponses()
    {
        var pairs = PreferenceRecords.Load(TestPaths.SharedData("hh_rlhf_harmless.dev.jsonl"));

        Assert.Equal(400, pairs.Count);
        Assert.All(pairs, p => Assert.EndsWith(PreferenceRecords.AssistantMarker, p.Prompt));
        Assert.All(pairs, p => Assert.DoesNotContain("\n\nHuman:", p.Chosen));
    }

    [Fact]
    public void MissingRejected_NamesFileLineAndField()
    {
        var path = WriteJsonl("""{"prompt":"Q","chosen":"a","rejected":"b"}""", """{"prompt":"Q","chosen":"a"}""");

        var error = Assert.Throws<SharpTuneInputException>(() => PreferenceRecords.Load(path));

        Assert.StartsWith($"{path}:2: rejected:", error.Message);
    }

    [Fact]
    public void BadRank_NamesRankingField()
    {
        var path = WriteJsonl("""{"prompt":"Q","rankings":[{"output":"a","rank":1},{"output":"b","rank":0}]}""");

        var error = Assert.Throws<SharpTuneInputException>(() => PreferenceRecords.Load(path));

        Assert.StartsWith($"{path}:1: rankings[1].rank:", error.Message);
    }

    [Fact]
    public void MisspeltOptionalField_IsError()
    {
        var path = WriteJsonl("""{"prompt":"Q","chosen":"a","rejected":"b","reasonning":"kinder"}""");

        var error = Assert.Throws<SharpTuneInputException>(() => PreferenceRecords.Load(path));

        Assert.StartsWith($"{path}:1: reasonning: unknown field in a pair record", error.Message);
    }

    [Fact]
    public void MisspeltRankingLabel_NamesEntry()
    {
        var path = WriteJsonl("""{"prompt":"Q","rankings":[{"output":"a","rank":1},{"output":"b","rank":2,"lable":"x"}]}""");

        var error = Assert.Throws<SharpTuneInputException>(() => PreferenceRecords.Load(path));

        Assert.StartsWith($"{path}:1: rankings[1].lable: unknown field in a ranking entry", error.Message);
    }

    [Fact]
    public void ConversationWithoutSharedTurn_IsRejected()
    {
        var path = WriteJsonl("""{"chosen":"yes","rejected":"no"}""");

        var error = Assert.Throws<SharpTuneInputException>(() => PreferenceRecords.Load(path));

        Assert.StartsWith($"{path}:1: chosen:", error.Message);
    }
}
