namespace SharpTune.ChatTemplates;

// Syntax tree of a parsed template. Statements render text; expressions evaluate to template values.

abstract record Statement(int Line);

sealed record TextStatement(string Text, int Line) : Statement(Line);

sealed record OutputStatement(Expression Value, int Line) : Statement(Line);

sealed record IfStatement(IReadOnlyList<(Expression Condition, IReadOnlyList<Statement> Body)> Branches, IReadOnlyList<Statement> ElseBody, int Line)
    : Statement(Line);

sealed record ForStatement(
    IReadOnlyList<string> Targets,
    Expression Iterable,
    Expression? Filter,
    IReadOnlyList<Statement> Body,
    IReadOnlyList<Statement> ElseBody,
    int Line) : Statement(Line);

/// <summary><c>{% set a = x %}</c>, <c>{% set a, b = x %}</c> or, with a namespace, <c>{% set ns.a = x %}</c>.</summary>
sealed record SetStatement(IReadOnlyList<string> Targets, string? Attribute, Expression Value, int Line) : Statement(Line);

/// <summary><c>{% set name %}body{% endset %}</c>: the rendered body becomes the value.</summary>
sealed record BlockSetStatement(string Target, IReadOnlyList<Statement> Body, int Line) : Statement(Line);

sealed record MacroStatement(string Name, IReadOnlyList<(string Name, Expression? Default)> Parameters, IReadOnlyList<Statement> Body, int Line)
    : Statement(Line);

sealed record BreakStatement(int Line) : Statement(Line);

sealed record ContinueStatement(int Line) : Statement(Line);

/// <summary>A block whose body renders as is, such as transformers' <c>{% generation %}</c>.</summary>
sealed record ScopeStatement(IReadOnlyList<Statement> Body, int Line) : Statement(Line);

abstract record Expression(int Line);

sealed record LiteralExpression(object? Value, int Line) : Expression(Line);

sealed record NameExpression(string Name, int Line) : Expression(Line);

sealed record ListExpression(IReadOnlyList<Expression> Items, int Line) : Expression(Line);

sealed record TupleExpression(IReadOnlyList<Expression> Items, int Line) : Expression(Line);

sealed record DictExpression(IReadOnlyList<(Expression Key, Expression Value)> Items, int Line) : Expression(Line);

sealed record AttributeExpression(Expression Target, string Name, int Line) : Expression(Line);

sealed record ItemExpression(Expression Target, Expression Key, int Line) : Expression(Line);

sealed record SliceExpression(Expression Target, Expression? Start, Expression? Stop, Expression? Step, int Line) : Expression(Line);

sealed record CallExpression(Expression Target, IReadOnlyList<Expression> Positional, IReadOnlyList<(string Name, Expression Value)> Named, int Line)
    : Expression(Line);

sealed record FilterExpression(Expression Target, string Name, IReadOnlyList<Expression> Positional, IReadOnlyList<(string Name, Expression Value)> Named, int Line)
    : Expression(Line);

sealed record TestExpression(Expression Target, string Name, IReadOnlyList<Expression> Arguments, bool Negated, int Line) : Expression(Line);

sealed record UnaryExpression(string Operator, Expression Operand, int Line) : Expression(Line);

sealed record BinaryExpression(string Operator, Expression Left, Expression Right, int Line) : Expression(Line);

/// <summary>A comparison chain such as <c>a &lt; b &lt;= c</c>; operators include <c>in</c> and <c>not in</c>.</summary>
sealed record CompareExpression(Expression First, IReadOnlyList<(string Operator, Expression Operand)> Rest, int Line) : Expression(Line);

sealed record ConcatExpression(IReadOnlyList<Expression> Parts, int Line) : Expression(Line);

/// <summary><c>a if condition else b</c>; without <c>else</c> the value is undefined when the condition is false.</summary>
sealed record ConditionalExpression(Expression Condition, Expression WhenTrue, Expression? WhenFalse, int Line) : Expression(Line);
