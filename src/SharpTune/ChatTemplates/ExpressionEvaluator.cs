namespace SharpTune.ChatTemplates;

// Expression evaluation with Python operator semantics.
sealed partial class TemplateRenderer
{
    object? Evaluate(Expression expression, TemplateScope scope)
    {
        switch (expression)
        {
            case LiteralExpression literal:
                return literal.Value;
            case NameExpression name:
                return scope.TryGet(name.Name, out var value) ? value : _environment.GetGlobal(name.Name);
            case ListExpression list:
                return list.Items.Select(item => Evaluate(item, scope)).ToList();
            case TupleExpression tuple:
                return tuple.Items.Select(item => Evaluate(item, scope)).ToArray();
            case DictExpression dict:
                var result = new PyDict();
                foreach (var (key, item) in dict.Items)
                    result[Evaluate(key, scope) ?? throw new ChatTemplateException("a dict key cannot be None")] = Evaluate(item, scope);
                return result;
            case AttributeExpression attribute:
                return Attributes.GetAttribute(Evaluate(attribute.Target, scope), attribute.Name);
            case ItemExpression item:
                return Attributes.GetItem(Evaluate(item.Target, scope), Evaluate(item.Key, scope));
            case SliceExpression slice:
                return Attributes.Slice(
                    Evaluate(slice.Target, scope),
                    EvaluateOptional(slice.Start, scope),
                    EvaluateOptional(slice.Stop, scope),
                    EvaluateOptional(slice.Step, scope));
            case CallExpression call:
                return Call(Evaluate(call.Target, scope), EvaluateArguments(call.Positional, call.Named, scope), call.Line);
            case FilterExpression filter:
                return TemplateFilters.Apply(
                    filter.Name, Evaluate(filter.Target, scope), EvaluateArguments(filter.Positional, filter.Named, scope), filter.Line);
            case TestExpression test:
                var passed = TemplateTests.Apply(
                    test.Name, Evaluate(test.Target, scope), test.Arguments.Select(a => Evaluate(a, scope)).ToList(), test.Line);
                return passed != test.Negated;
            case UnaryExpression unary:
                return EvaluateUnary(unary, scope);
            case BinaryExpression binary:
                return EvaluateBinary(binary, scope);
            case CompareExpression compare:
                return EvaluateCompare(compare, scope);
            case ConcatExpression concat:
                return string.Concat(concat.Parts.Select(part => PyOps.Str(Evaluate(part, scope))));
            case ConditionalExpression conditional:
                if (PyOps.IsTruthy(Evaluate(conditional.Condition, scope)))
                    return Evaluate(conditional.WhenTrue, scope);
                return conditional.WhenFalse is null ? Undefined.Instance : Evaluate(conditional.WhenFalse, scope);
            default:
                throw new InvalidOperationException($"unknown expression {expression.GetType().Name}");
        }
    }

    object? EvaluateOptional(Expression? expression, TemplateScope scope) =>
        expression is null ? null : Evaluate(expression, scope);

    CallArguments EvaluateArguments(IReadOnlyList<Expression> positional, IReadOnlyList<(string Name, Expression Value)> named, TemplateScope scope)
    {
        var values = positional.Select(argument => Evaluate(argument, scope)).ToList();
        var namedValues = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, argument) in named)
            namedValues[name] = Evaluate(argument, scope);
        return new CallArguments(values, namedValues);
    }

    static object? Call(object? target, CallArguments arguments, int line) => target switch
    {
        TemplateFunction function => function(arguments),
        Undefined undefined => throw undefined.Fail(),
        _ => throw new ChatTemplateException($"line {line}: '{PyOps.TypeName(target)}' object is not callable"),
    };

    object? EvaluateUnary(UnaryExpression unary, TemplateScope scope)
    {
        var operand = Evaluate(unary.Operand, scope);
        return unary.Operator switch
        {
            "not" => !PyOps.IsTruthy(operand),
            "-" => operand switch
            {
                double d => (object)(-d),
                long or bool => -PyOps.ToLong(operand),
                Undefined undefined => throw undefined.Fail(),
                _ => throw new ChatTemplateException($"line {unary.Line}: bad operand type for unary -: '{PyOps.TypeName(operand)}'"),
            },
            _ => operand is long or double or bool ? operand : throw new ChatTemplateException(
                $"line {unary.Line}: bad operand type for unary +: '{PyOps.TypeName(operand)}'"),
        };
    }

    object? EvaluateBinary(BinaryExpression binary, TemplateScope scope)
    {
        var left = Evaluate(binary.Left, scope);
        switch (binary.Operator)
        {
            case "and":
                return PyOps.IsTruthy(left) ? Evaluate(binary.Right, scope) : left;
            case "or":
                return PyOps.IsTruthy(left) ? left : Evaluate(binary.Right, scope);
        }
        var right = Evaluate(binary.Right, scope);
        return Arithmetic.Apply(binary.Operator, left, right, binary.Line);
    }

    object? EvaluateCompare(CompareExpression compare, TemplateScope scope)
    {
        var left = Evaluate(compare.First, scope);
        foreach (var (op, operandExpression) in compare.Rest)
        {
            var right = Evaluate(operandExpression, scope);
            var satisfied = op switch
            {
                "==" => PyOps.AreEqual(left, right),
                "!=" => !PyOps.AreEqual(left, right),
                "<" => OrderOf(left, right) < 0,
                ">" => OrderOf(left, right) > 0,
                "<=" => OrderOf(left, right) <= 0,
                ">=" => OrderOf(left, right) >= 0,
                "in" => PyOps.Contains(right, left),
                _ => !PyOps.Contains(right, left),
            };
            if (!satisfied)
                return false;
            left = right;
        }
        return true;
    }

    static int OrderOf(object? left, object? right)
    {
        if (left is Undefined undefinedLeft)
            throw undefinedLeft.Fail();
        if (right is Undefined undefinedRight)
            throw undefinedRight.Fail();
        return PyOps.Compare(left, right);
    }
}
