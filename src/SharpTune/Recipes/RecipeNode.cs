using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace SharpTune.Recipes;

/// <summary>Parsed YAML node with the 1-based line where it starts; the loader's view of a recipe file.</summary>
internal abstract record RecipeNode(long Line)
{
    /// <summary>Name of the node's kind for error messages: "a mapping", "a list", "a string" and so on.</summary>
    public abstract string Description { get; }
}

/// <summary>Scalar value; <see cref="IsPlain"/> is false for quoted and block scalars.</summary>
internal sealed record RecipeScalar(long Line, string Value, bool IsPlain) : RecipeNode(Line)
{
    /// <summary>
    /// Whether the scalar is YAML null: an unquoted <c>~</c>, <c>null</c> (any of the three core-schema
    /// spellings) or nothing at all.
    /// </summary>
    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string Description
    {
        get
        {
            if (IsNull)
                return "null";
            return IsPlain ? $"'{Value}'" : $"the quoted string \"{Value}\"";
        }
    }
}

internal sealed record RecipeSequence(long Line, IReadOnlyList<RecipeNode> Items) : RecipeNode(Line)
{
    public override string Description => "a list";
}

/// <summary>Mapping whose keys are unique, in file order.</summary>
internal sealed record RecipeMapping(long Line, IReadOnlyList<KeyValuePair<RecipeScalar, RecipeNode>> Entries) : RecipeNode(Line)
{
    public override string Description => "a mapping";
}

/// <summary>Reads YAML text into <see cref="RecipeNode"/> trees through YamlDotNet's event parser.</summary>
/// <remarks>
/// The event parser, unlike YamlDotNet's representation model, lets the reader report a duplicate key
/// with both lines. Anchors, aliases and complex keys are rejected because a recipe does not need them.
/// </remarks>
internal static class RecipeNodeReader
{
    /// <summary>
    /// Parses the single document in <paramref name="text"/>; returns null when the text contains no document.
    /// Raises <see cref="SharpTuneInputException"/> naming <paramref name="location"/> and the line on a
    /// syntax error, a duplicate key, an alias, a complex key or a second document. Syntax errors leave
    /// out the line when <paramref name="withLines"/> is false, as for one-line <c>--set</c> values.
    /// </summary>
    public static RecipeNode? ReadDocument(string text, string location, bool withLines = true)
    {
        var parser = new Parser(new StringReader(text));
        try
        {
            parser.MoveNext();
            Consume<StreamStart>(parser);
            if (parser.Current is StreamEnd)
                return null;

            Consume<DocumentStart>(parser);
            var root = ReadNode(parser, location);
            Consume<DocumentEnd>(parser);

            if (parser.Current is DocumentStart second)
                throw SharpTuneInputException.At(location, second.Start.Line, null,
                    "a second YAML document starts here; a recipe is one document, so remove the '---' and what follows");
            return root;
        }
        catch (YamlException e)
        {
            var message = SharpTuneInputException.At(location, withLines ? e.Start.Line : null, null, $"invalid YAML: {StripMarks(e.Message).TrimEnd('.')}; fix the YAML syntax").Message;
            throw new SharpTuneInputException(message, e);
        }
    }

    static RecipeNode ReadNode(IParser parser, string location)
    {
        var current = parser.Current;
        switch (current)
        {
            case Scalar scalar:
                parser.MoveNext();
                return new RecipeScalar(scalar.Start.Line, scalar.Value, scalar.Style == ScalarStyle.Plain);

            case SequenceStart start:
                parser.MoveNext();
                var items = new List<RecipeNode>();
                while (parser.Current is not SequenceEnd)
                    items.Add(ReadNode(parser, location));
                parser.MoveNext();
                return new RecipeSequence(start.Start.Line, items);

            case MappingStart start:
                parser.MoveNext();
                return ReadMapping(parser, location, start.Start.Line);

            case AnchorAlias alias:
                throw SharpTuneInputException.At(location, alias.Start.Line, null,
                    $"YAML alias '*{alias.Value}' is not supported in recipes; write the value out");

            default:
                throw new InvalidOperationException($"Unexpected YAML event {current} at line {current?.Start.Line}.");
        }
    }

    static RecipeMapping ReadMapping(IParser parser, string location, long line)
    {
        var entries = new List<KeyValuePair<RecipeScalar, RecipeNode>>();
        var firstLineOfKey = new Dictionary<string, long>(StringComparer.Ordinal);
        while (parser.Current is not MappingEnd)
        {
            var keyNode = ReadNode(parser, location);
            if (keyNode is not RecipeScalar key)
                throw SharpTuneInputException.At(location, keyNode.Line, null,
                    $"a mapping key must be a name, not {keyNode.Description}; write keys as 'name: value'");

            if (firstLineOfKey.TryGetValue(key.Value, out var firstLine))
                throw SharpTuneInputException.At(location, key.Line, key.Value,
                    $"duplicate key (first set on line {firstLine}); keep one of the two");
            firstLineOfKey.Add(key.Value, key.Line);

            entries.Add(new(key, ReadNode(parser, location)));
        }
        parser.MoveNext();
        return new RecipeMapping(line, entries);
    }

    // The parser raises YamlException for malformed input, so any other event order is a bug here.
    static void Consume<T>(IParser parser) where T : ParsingEvent
    {
        if (parser.Current is not T)
            throw new InvalidOperationException($"Expected YAML event {typeof(T).Name}, got {parser.Current}.");
        parser.MoveNext();
    }

    // YamlException messages may start with "(Line: 3, Col: 5, Idx: 20) - (Line: ...): ", which the
    // compiler-style location already covers.
    static string StripMarks(string message)
    {
        var marker = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && marker >= 0 ? message[(marker + 3)..] : message;
    }
}
