using System.Text.Json.Nodes;
using SharpTune.ChatTemplates;

namespace SharpTune.Tests.ChatTemplates;

/// <summary>
/// One row per supported Jinja2 construct. The expected strings are what Jinja2 3.1.6 renders in transformers'
/// environment (ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks and loopcontrols, tojson as
/// json.dumps with ensure_ascii=False, the date fixed at 26 Jul 2024) for the same template and <see cref="Context"/>.
/// </summary>
public class JinjaConstructTests
{
    const string Context = """
        {"messages":[{"role":"system","content":" Be brief. "},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}],
         "name":"World","n":3,"items":[3,1,2],"d":{"b":1,"a":2},"none_value":null,"flag":true,"text":"  a,b,c  ","f":2.5,
         "tool":{"name":"get","parameters":{"type":"object","properties":{"city":{"type":"string"}}}},"uni":"é😀\"\n"}
        """;

    static string Render(string template)
    {
        var variables = new Dictionary<string, object?>();
        foreach (var (name, value) in JsonNode.Parse(Context)!.AsObject())
            variables[name] = TemplateJson.FromJson(value);
        return ChatTemplate.Parse(template).Render(variables, () => new DateTime(2024, 7, 26));
    }

    public static TheoryData<string, string> Rows => new()
    {
        // whitespace
        { "a\n{% if true %}\nb\n{% endif %}\nc", "a\nb\nc" },
        { "a\n    {% if true %}\n    b\n    {% endif %}\nc", "a\n    b\nc" },
        { "a  {%- if true %} b {% endif -%}  c", "a b c" },
        { "a {{- name -}} b", "aWorldb" },
        { "x\n  {{ name }}\ny", "x\n  World\ny" },
        { "a\n  {%+ if true %}b{% endif %}", "a\n  b" },
        { "a\n{% if true +%}\nb{% endif %}", "a\n\nb" },
        { "a {# note #}\nb", "a b" },
        { "a\n  {#- note -#}\n  b", "ab" },
        { "line\n", "line" },
        // literals and operators
        { "{{ 'a' ~ 1 ~ none ~ true }}", "a1NoneTrue" },
        { "{{ 'a' + 'b' }}", "ab" },
        { "{{ 1 + 2 * 3 }}", "7" },
        { "{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }}", "3 -4 2 3.5 1024" },
        { "{{ 'x' * 3 }}", "xxx" },
        { "{{ [1, 2] + [3] }}", "[1, 2, 3]" },
        { "{{ {'a': 1, 'b': [true, none, 'q']} }}", "{'a': 1, 'b': [True, None, 'q']}" },
        { "{{ ('a', 1) }}", "('a', 1)" },
        { "{{ 1 == 1.0 }} {{ true == 1 }} {{ '' != false }} {{ [1] == [1] }} {{ d == {'b': 1, 'a': 2} }}", "True True True True True" },
        { "{{ 1 < 2 < 3 }} {{ 3 < 2 }} {{ 'a' < 'b' }}", "True False True" },
        { "{{ 'b' in 'abc' }} {{ 2 in items }} {{ 'a' in d }} {{ 5 not in items }}", "True True True True" },
        { "{{ not flag }} {{ flag and 'yes' }} {{ none_value or 'fallback' }}", "False yes fallback" },
        { "{{ 'y' if flag else 'n' }}|{{ 'y' if not flag }}|", "y||" },
        { "{{ \"it's\" }} {{ 'say \"hi\"' }} {{ 'tab\\there' }}", "it's say \"hi\" tab\there" },
        { "{{ f }} {{ 1.0 }} {{ 0.1 + 0.2 }} {{ 1e20 }} {{ n / 4 }}", "2.5 1.0 0.30000000000000004 1e+20 0.75" },
        { "{{ -n }} {{ -f }}", "-3 -2.5" },
        // subscripts and slices
        { "{{ messages[0]['role'] }} {{ messages[1].content }} {{ messages[-1].role }}", "system Hi assistant" },
        { "{{ items[1:] }} {{ items[:-1] }} {{ items[::-1] }} {{ items[::2] }}", "[1, 2] [3, 1] [2, 1, 3] [3, 2]" },
        { "{{ name[1:3] }} {{ name[::-1] }} {{ name[-1] }}", "or dlroW d" },
        { "{{ messages[9] is defined }} {{ d.missing is defined }} {{ none_value.x is defined }}", "False False False" },
        { "{{ messages[:1] | length }}", "1" },
        // loops
        { "{% for m in messages %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }} {% endfor %}", "10TrueFalse33 21FalseFalse32 32FalseTrue31 " },
        { "{% for x in items %}{{ loop.previtem }}>{{ x }}<{{ loop.nextitem }};{% endfor %}", ">3<1;3>1<2;1>2<;" },
        { "{% for x in items %}{% if x == 1 %}{% continue %}{% endif %}{{ x }}{% endfor %}", "32" },
        { "{% for x in items %}{% if x == 1 %}{% break %}{% endif %}{{ x }}{% endfor %}", "3" },
        { "{% for x in items if x > 1 %}{{ x }}{{ loop.last }}{% endfor %}", "3False2True" },
        { "{% for x in [] %}{{ x }}{% else %}empty{% endfor %}", "empty" },
        { "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", "b=1;a=2;" },
        { "{% for k, v in d | items %}{{ k }}={{ v }};{% endfor %}", "b=1;a=2;" },
        { "{% for k in d %}{{ k }}{% endfor %}", "ba" },
        { "{% for c in 'abc' %}{{ c }}-{% endfor %}", "a-b-c-" },
        { "{% for i in range(3) %}{{ i }}{% endfor %} {% for i in range(1, 7, 2) %}{{ i }}{% endfor %}", "012 135" },
        { "{% for x in items %}{{ loop.cycle('a', 'b') }}{% endfor %}", "aba" },
        { "{% for m in messages %}{% for c in m.role %}{% if loop.first %}{{ c }}{% endif %}{% endfor %}{{ loop.index }}{% endfor %}", "s1u2a3" },
        // assignments and scope
        { "{% set x = 1 %}{% for i in items %}{% set x = i %}{% endfor %}{{ x }}", "1" },
        { "{% set ns = namespace(x=1) %}{% for i in items %}{% set ns.x = ns.x + i %}{% endfor %}{{ ns.x }}", "7" },
        { "{% set ns = namespace() %}{% set ns.y = 'v' %}{{ ns.y }}", "v" },
        { "{% set a, b = 1, 2 %}{{ a }}{{ b }}", "12" },
        { "{% set block %}B{{ name }}{% endset %}[{{ block }}]", "[BWorld]" },
        { "{% if true %}{% set inner = 'i' %}{% endif %}{{ inner }}", "i" },
        // macros
        { "{% macro greet(who, punct='!') %}Hi {{ who }}{{ punct }}{% endmacro %}{{ greet(name) }} {{ greet('you', punct='?') }}", "Hi World! Hi you?" },
        { "{% macro count(k) %}{% if k > 0 %}{{ k }}{{ count(k - 1) }}{% endif %}{% endmacro %}{{ count(3) }}", "321" },
        // filters
        { "[{{ text | trim }}] [{{ '  x ' | trim }}]", "[a,b,c] [x]" },
        { "{{ items | length }} {{ name | length }} {{ d | length }} {{ undefined_name | length }}", "3 5 2 0" },
        { "{{ undefined_name | default('dflt') }} {{ none_value | default('dflt') }} {{ '' | default('dflt', true) }}", "dflt None dflt" },
        { "{{ items | first }} {{ items | last }} {{ name | first }}", "3 2 W" },
        { "{{ items | join(', ') }} {{ messages | map(attribute='role') | join('/') }}", "3, 1, 2 system/user/assistant" },
        { "{{ messages | selectattr('role', 'equalto', 'user') | list | length }} {{ messages | rejectattr('role', 'equalto', 'user') | map(attribute='role') | list }}", "1 ['system', 'assistant']" },
        { "{{ items | select('odd') | list }} {{ items | reject('equalto', 3) | list }}", "[3, 1] [1, 2]" },
        { "{{ messages | selectattr('role') | list | length }}", "3" },
        { "{{ name | upper }} {{ name | lower }} {{ 'hello world' | title }} {{ 'hELLO' | capitalize }}", "WORLD world Hello World Hello" },
        { "{{ 'aXbXc' | replace('X', '-') }}", "a-b-c" },
        { "{{ tool | tojson }}", "{\"name\": \"get\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}}" },
        { "{{ tool | tojson(indent=2) }}", "{\n  \"name\": \"get\",\n  \"parameters\": {\n    \"type\": \"object\",\n    \"properties\": {\n      \"city\": {\n        \"type\": \"string\"\n      }\n    }\n  }\n}" },
        { "{{ uni | tojson }} {{ [] | tojson }} {{ {} | tojson(indent=4) }} {{ f | tojson }}", "\"é😀\\\"\\n\" [] {} 2.5" },
        { "{{ d | tojson(sort_keys=true) }}", "{\"a\": 2, \"b\": 1}" },
        { "{{ d | string }} {{ items | string }} {{ none_value | string }}", "{'b': 1, 'a': 2} [3, 1, 2] None" },
        { "{{ items | sort | list }} {{ items | sort(reverse=true) | list }} {{ items | max }} {{ items | min }} {{ items | sum }}", "[1, 2, 3] [3, 2, 1] 3 1 6" },
        { "{{ [1, 1, 2] | unique | list }} {{ items | reverse | list }} {{ name | reverse }}", "[1, 2] [2, 1, 3] dlroW" },
        { "{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(2, true) }}", "a\n  b\n\n  c|  a\n  b" },
        { "{{ '3' | int + 1 }} {{ '2.5' | float }} {{ 'x' | int }} {{ -3 | abs }}", "4 2.5 0 3" },
        { "{{ d | dictsort }}", "[('a', 2), ('b', 1)]" },
        { "{{ 2.567 | round(2) }} {{ 'a b  c' | wordcount }}", "2.57 3" },
        // tests
        { "{{ name is defined }} {{ nothing is defined }} {{ nothing is undefined }} {{ none_value is none }} {{ name is not none }}", "True False True True True" },
        { "{{ name is string }} {{ items is string }} {{ d is mapping }} {{ items is mapping }}", "True False True False" },
        { "{{ name is iterable }} {{ items is iterable }} {{ n is iterable }} {{ name is sequence }} {{ d is sequence }}", "True True False True True" },
        { "{{ n is number }} {{ f is number }} {{ name is number }} {{ n is integer }} {{ f is float }} {{ flag is boolean }}", "True True False True True True" },
        { "{{ flag is true }} {{ flag is false }} {{ n is odd }} {{ n is even }} {{ 9 is divisibleby 3 }}", "True False True False True" },
        { "{{ n is equalto 3 }} {{ n is eq(3) }} {{ n is ne 3 }} {{ n is gt 2 }} {{ n is lt 2 }} {{ 'a' is in 'abc' }}", "True True False True False True" },
        { "{{ none_value is sameas none }} {{ flag is sameas true }} {{ range is callable }} {{ name is lower }} {{ 'AB' is upper }}", "True True True False True" },
        { "{{ not name is defined }} {{ name is not defined }}", "False False" },
        // string, dict and list methods
        { "[{{ text.strip() }}] [{{ text.lstrip() }}] [{{ text.rstrip() }}] [{{ 'xxaxx'.strip('x') }}]", "[a,b,c] [a,b,c  ] [  a,b,c] [a]" },
        { "{{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'a-b-c'.split('-', 1) }} {{ 'a-b-c'.rsplit('-', 1) }}", "['a', 'b', '', 'c'] ['a', 'b'] ['a', 'b-c'] ['a-b', 'c']" },
        { "{{ name.startswith('Wo') }} {{ name.endswith('ld') }} {{ name.startswith(('x', 'W')) }}", "True True True" },
        { "{{ name.upper() }} {{ name.lower() }} {{ 'ab cd'.title() }} {{ 'aaa'.replace('a', 'b', 2) }}", "WORLD world Ab Cd bba" },
        { "{{ name.find('r') }} {{ name.count('o') }} {{ '-'.join(['a', 'b']) }} {{ '12'.isdigit() }}", "2 1 a-b True" },
        { "{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 0) }} {{ d.keys() | list }} {{ d.values() | list }}", "2 None 0 ['b', 'a'] [1, 2]" },
        { "{{ d.items() | list }}", "[('b', 1), ('a', 2)]" },
        { "{{ items.index(2) }} {{ items.count(3) }}", "2 1" },
        { "{{ 'a\\nb'.splitlines() }}", "['a', 'b']" },
        // globals
        { "{{ strftime_now('%d %b %Y') }} {{ strftime_now('%Y-%m-%d') }} {{ strftime_now('%B %d, %Y') }} {{ strftime_now('%A %H:%M') }}", "26 Jul 2024 2024-07-26 July 26, 2024 Friday 00:00" },
        { "{{ dict(a=1, b='x') }}", "{'a': 1, 'b': 'x'}" },
        { "{{ range(3) | list }}", "[0, 1, 2]" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void ConstructRendersAsJinja2(string template, string expected) => Assert.Equal(expected, Render(template));
}
