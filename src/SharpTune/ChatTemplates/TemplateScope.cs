namespace SharpTune.ChatTemplates;

/// <summary>
/// Variables visible at one point of a template. A for-loop iteration and a macro call open a child scope, so
/// a <c>set</c> inside them does not change the outer variable, as in Jinja2; <c>if</c> blocks open none.
/// </summary>
sealed class TemplateScope
{
    readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);
    readonly TemplateScope? _parent;

    public TemplateScope(TemplateScope? parent) => _parent = parent;

    public bool TryGet(string name, out object? value)
    {
        for (var scope = this; scope is not null; scope = scope._parent)
        {
            if (scope._variables.TryGetValue(name, out value))
                return true;
        }
        value = null;
        return false;
    }

    public object? Get(string name) => TryGet(name, out var value) ? value : new Undefined(name);

    public void Set(string name, object? value) => _variables[name] = value;
}
