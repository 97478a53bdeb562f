using SharpTune.ChatTemplates;

namespace SharpTune.Tests.ChatTemplates;

/// <summary>Failures: the template's own raise_exception, Undefined misuse, the immutable sandbox and syntax errors.</summary>
public class JinjaErrorTests
{
    static string Render(string template) =>
        ChatTemplate.Parse(template).Render(new Dictionary<string, object?>());

    [Fact]
    public void RaiseExceptionCarriesMessage()
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render("{{ raise_exception('roles must alternate') }}"));
        Assert.Equal("roles must alternate", error.Message);
    }

    [Fact]
    public void RaiseExceptionIsMarkedAsRaisedByTemplate()
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render("{{ raise_exception('x') }}"));
        Assert.True(error.RaisedByTemplate);
    }

    [Fact]
    public void UndefinedPrintsAndIteratesAsEmpty() =>
        Assert.Equal("||", Render("{{ missing }}|{{ missing | trim }}|{% for x in missing %}x{% endfor %}"));

    [Fact]
    public void UndefinedInArithmeticRaises()
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render("{{ missing + 'a' }}"));
        Assert.Equal("'missing' is undefined", error.Message);
    }

    [Fact]
    public void AttributeOfUndefinedRaises()
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render("{{ missing.attr }}"));
        Assert.Equal("'missing' is undefined", error.Message);
    }

    [Fact]
    public void StringPlusNoneRaises()
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render("{{ 'a' + none }}"));
        Assert.False(error.RaisedByTemplate);
    }

    [Fact]
    public void ListAppendIsUnsafe()
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render("{% set l = [1] %}{{ l.append(2) }}"));
        Assert.Contains("'append' of 'list' object is unsafe", error.Message);
    }

    [Fact]
    public void UnclosedIfIsSyntaxError()
    {
        var error = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse("{% if true %}a"));
        Assert.Contains("expected 'endif'", error.Message);
    }

    [Fact]
    public void UnknownTagNamesSupportedTags()
    {
        var error = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse("{% include 'x' %}"));
        Assert.Contains("unsupported tag 'include'", error.Message);
    }

    [Fact]
    public void MessageContentIsDataNotCode()
    {
        var variables = new Dictionary<string, object?> { ["content"] = "{{ 1 + 1 }} {% if %}" };
        Assert.Equal("{{ 1 + 1 }} {% if %}", ChatTemplate.Parse("{{ content }}").Render(variables));
    }

    [Fact]
    public void SpecialTokenLeftOutIsUndefined()
    {
        var template = ChatTemplate.Parse("[{{ bos_token }}]{{ eos_token is defined }}");
        Assert.Equal("[]True", template.Render(new ChatTemplateInput([]) { EosToken = "</s>" }));
    }

    [Fact]
    public void ToolsAreAlwaysDefined()
    {
        var template = ChatTemplate.Parse("{{ tools is defined }} {{ tools is none }}");
        Assert.Equal("True True", template.Render(new ChatTemplateInput([])));
    }
}
