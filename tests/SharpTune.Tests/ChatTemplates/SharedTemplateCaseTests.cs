using System.Text.Json.Nodes;
using SharpTune.ChatTemplates;

namespace SharpTune.Tests.ChatTemplates;

/// <summary>
/// Real Hugging Face chat templates with the exact strings transformers' apply_chat_template produced for them
/// (rendered with Jinja2 3.1 and the date fixed at 26 Jul 2024).
/// </summary>
public class SharedTemplateCaseTests
{
    static readonly DateTime FixedDate = new(2024, 7, 26, 0, 0, 0);

    static string CorpusDir => Path.Combine(TestPaths.Shared, "chat-templates");

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var dir in Directory.GetDirectories(CorpusDir).Order(StringComparer.Ordinal))
        {
            foreach (var line in File.ReadLines(Path.Combine(dir, "cases.jsonl")).Where(l => l.Trim().Length > 0))
                data.Add(Path.GetFileName(dir), JsonNode.Parse(line)!["name"]!.GetValue<string>());
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CaseRendersExpected(string folder, string caseName)
    {
        var dir = Path.Combine(CorpusDir, folder);
        var testCase = File.ReadLines(Path.Combine(dir, "cases.jsonl"))
            .Where(l => l.Trim().Length > 0)
            .Select(l => JsonNode.Parse(l)!.AsObject())
            .Single(c => c["name"]!.GetValue<string>() == caseName);
        var template = ChatTemplate.Parse(File.ReadAllText(Path.Combine(dir, "template.jinja")));
        var tokens = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "special_tokens.json")))!;
        var variables = new Dictionary<string, object?>();
        if (testCase["template_kwargs"] is JsonObject kwargs)
        {
            foreach (var (name, value) in kwargs)
                variables[name] = TemplateJson.FromJson(value);
        }
        var input = new ChatTemplateInput((List<object?>)TemplateJson.FromJson(testCase["messages"])!)
        {
            AddGenerationPrompt = testCase["add_generation_prompt"]!.GetValue<bool>(),
            Tools = TemplateJson.FromJson(testCase["tools"]),
            Documents = TemplateJson.FromJson(testCase["documents"]),
            BosToken = tokens["bos_token"]?.GetValue<string>(),
            EosToken = tokens["eos_token"]?.GetValue<string>(),
            Variables = variables,
        };

        if (testCase["expected_error"] is JsonNode expectedError)
        {
            var error = Assert.Throws<ChatTemplateException>(() => template.Render(input, () => FixedDate));
            Assert.True(error.RaisedByTemplate, error.Message);
            Assert.Equal(expectedError.GetValue<string>(), error.Message);
            return;
        }

        Assert.Equal(testCase["expected"]!.GetValue<string>(), template.Render(input, () => FixedDate));
    }
}
