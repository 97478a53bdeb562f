using System.Text;

namespace SharpTune.ChatTemplates;

/// <summary>Renders a parsed template: walks the statements, appending text, with Jinja2's scoping and loop rules.</summary>
sealed partial class TemplateRenderer
{
    enum Flow { Normal, Break, Continue }

    readonly TemplateEnvironment _environment;

    public TemplateRenderer(TemplateEnvironment environment) => _environment = environment;

    public string Render(IReadOnlyList<Statement> template, TemplateScope scope)
    {
        var output = new StringBuilder();
        RenderBody(template, scope, output);
        return output.ToString();
    }

    Flow RenderBody(IReadOnlyList<Statement> body, TemplateScope scope, StringBuilder output)
    {
        foreach (var statement in body)
        {
            var flow = RenderStatement(statement, scope, output);
            if (flow != Flow.Normal)
                return flow;
        }
        return Flow.Normal;
    }

    Flow RenderStatement(Statement statement, TemplateScope scope, StringBuilder output)
    {
        switch (statement)
        {
            case TextStatement text:
                output.Append(text.Text);
                return Flow.Normal;
            case OutputStatement print:
                output.Append(PyOps.Str(Evaluate(print.Value, scope)));
                return Flow.Normal;
            case IfStatement conditional:
                foreach (var (condition, branch) in conditional.Branches)
                {
                    if (PyOps.IsTruthy(Evaluate(condition, scope)))
                        return RenderBody(branch, scope, output);
                }
                return RenderBody(conditional.ElseBody, scope, output);
            case ForStatement loop:
                RenderFor(loop, scope, output);
                return Flow.Normal;
            case SetStatement set:
                Assign(set, scope);
                return Flow.Normal;
            case BlockSetStatement blockSet:
                var captured = new StringBuilder();
                RenderBody(blockSet.Body, scope, captured);
                scope.Set(blockSet.Target, captured.ToString());
                return Flow.Normal;
            case MacroStatement macro:
                scope.Set(macro.Name, DefineMacro(macro, scope));
                return Flow.Normal;
            case BreakStatement:
                return Flow.Break;
            case ContinueStatement:
                return Flow.Continue;
            case ScopeStatement block:
                return RenderBody(block.Body, scope, output);
            default:
                throw new InvalidOperationException($"unknown statement {statement.GetType().Name}");
        }
    }

    void RenderFor(ForStatement loop, TemplateScope scope, StringBuilder output)
    {
        var items = PyOps.Iterate(Evaluate(loop.Iterable, scope));
        if (loop.Filter is not null)
        {
            var selected = new List<object?>();
            foreach (var item in items)
            {
                var filterScope = new TemplateScope(scope);
                BindTargets(loop.Targets, item, filterScope, loop.Line);
                if (PyOps.IsTruthy(Evaluate(loop.Filter, filterScope)))
                    selected.Add(item);
            }
            items = selected;
        }

        if (items.Count == 0)
        {
            RenderBody(loop.ElseBody, scope, output);
            return;
        }

        var context = new LoopContext(items);
        for (var i = 0; i < items.Count; i++)
        {
            context.Index0 = i;
            var iterationScope = new TemplateScope(scope);
            iterationScope.Set("loop", context);
            BindTargets(loop.Targets, items[i], iterationScope, loop.Line);
            if (RenderBody(loop.Body, iterationScope, output) == Flow.Break)
                break;
        }
    }

    static void BindTargets(IReadOnlyList<string> targets, object? value, TemplateScope scope, int line)
    {
        if (targets.Count == 1)
        {
            scope.Set(targets[0], value);
            return;
        }
        var parts = PyOps.Iterate(value);
        if (parts.Count != targets.Count)
        {
            throw new ChatTemplateException(
                $"line {line}: cannot unpack {parts.Count} values into {targets.Count} names ({string.Join(", ", targets)})");
        }
        for (var i = 0; i < targets.Count; i++)
            scope.Set(targets[i], parts[i]);
    }

    void Assign(SetStatement set, TemplateScope scope)
    {
        var value = Evaluate(set.Value, scope);
        if (set.Attribute is null)
        {
            BindTargets(set.Targets, value, scope, set.Line);
            return;
        }
        if (scope.Get(set.Targets[0]) is not TemplateNamespace target)
            throw new ChatTemplateException($"line {set.Line}: cannot assign attribute on non-namespace object '{set.Targets[0]}'");
        target.Attributes[set.Attribute] = value;
    }

    TemplateFunction DefineMacro(MacroStatement macro, TemplateScope definitionScope) => arguments =>
    {
        if (arguments.Positional.Count > macro.Parameters.Count)
            throw new ChatTemplateException($"macro '{macro.Name}' takes not more than {macro.Parameters.Count} arguments");
        var callScope = new TemplateScope(definitionScope);
        for (var i = 0; i < macro.Parameters.Count; i++)
        {
            var (name, fallback) = macro.Parameters[i];
            object? value;
            if (i < arguments.Positional.Count)
                value = arguments.Positional[i];
            else if (arguments.Named.TryGetValue(name, out var named))
                value = named;
            else
                value = fallback is null ? new Undefined(name) : Evaluate(fallback, callScope);
            callScope.Set(name, value);
        }
        var output = new StringBuilder();
        RenderBody(macro.Body, callScope, output);
        return output.ToString();
    };
}
