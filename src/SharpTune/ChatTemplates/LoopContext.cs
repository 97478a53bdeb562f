namespace SharpTune.ChatTemplates;

/// <summary>The <c>loop</c> variable inside a for loop, with Jinja2's attributes.</summary>
public sealed class LoopContext
{
    readonly IReadOnlyList<object?> _items;

    internal LoopContext(IReadOnlyList<object?> items) => _items = items;

    /// <summary>Zero-based position of the current item.</summary>
    public int Index0 { get; internal set; }

    /// <summary>Returns the attribute <paramref name="name"/>, or Undefined when the loop has none.</summary>
    public object? GetAttribute(string name) => name switch
    {
        "index" => (long)(Index0 + 1),
        "index0" => (long)Index0,
        "revindex" => (long)(_items.Count - Index0),
        "revindex0" => (long)(_items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == _items.Count - 1,
        "length" => (long)_items.Count,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => Index0 > 0 ? _items[Index0 - 1] : new Undefined("loop.previtem"),
        "nextitem" => Index0 + 1 < _items.Count ? _items[Index0 + 1] : new Undefined("loop.nextitem"),
        "cycle" => (TemplateFunction)Cycle,
        _ => new Undefined("loop." + name),
    };

    object? Cycle(CallArguments arguments)
    {
        if (arguments.Positional.Count == 0)
            throw new ChatTemplateException("loop.cycle() needs at least one argument");
        return arguments.Positional[Index0 % arguments.Positional.Count];
    }
}
