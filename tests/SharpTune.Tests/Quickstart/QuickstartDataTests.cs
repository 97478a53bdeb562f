using System.Globalization;
using System.Text.RegularExpressions;

namespace SharpTune.Tests.Quickstart;

/// <summary>
/// The committed quickstart data. Answers are recomputed here from the question's numbers with
/// textbook factors (1 km = 1000 m, 1 kg = 1000 g, F = C * 9/5 + 32, 1 hour = 60 minutes).
/// </summary>
public sealed partial class QuickstartDataTests
{
    [GeneratedRegex(@"^(-?[\d.]+) (km|m|kg|g|°C|°F|hours?|minutes?) = (-?[\d.]+) (km|m|kg|g|°C|°F|hours?|minutes?)\.$")]
    private static partial Regex ConversionAnswer();

    [GeneratedRegex(@"^Step \d: (\d+) ([-+*/]) (\d+) = (-?\d+)\.$")]
    private static partial Regex ArithmeticStep();

    static bool IsConversion(AlpacaRecord r) => ConversionAnswer().IsMatch(r.Output);

    static bool IsWordProblem(AlpacaRecord r) => r.Output.Contains("\nAnswer: ", StringComparison.Ordinal);

    static bool IsCode(AlpacaRecord r) => r.Output.StartsWith("def ", StringComparison.Ordinal);

    static bool IsContract(AlpacaRecord r) => !IsConversion(r) && !IsWordProblem(r) && !IsCode(r);

    [Fact]
    public void SftTrain_Has1500Records()
    {
        Assert.Equal(1500, QuickstartAssets.Train.Count);
    }

    [Fact]
    public void SftEval_Has150Records()
    {
        Assert.Equal(150, QuickstartAssets.Eval.Count);
    }

    [Theory]
    [InlineData("conversions")]
    [InlineData("contracts")]
    [InlineData("word problems")]
    [InlineData("code")]
    public void SftTrain_FamilyHasQuarter(string family)
    {
        Func<AlpacaRecord, bool> isInFamily = family switch
        {
            "conversions" => IsConversion,
            "contracts" => IsContract,
            "word problems" => IsWordProblem,
            _ => IsCode,
        };

        Assert.Equal(375, QuickstartAssets.Train.Count(isInFamily));
    }

    [Fact]
    public void SftSplits_ShareNoInstruction()
    {
        var trainInstructions = QuickstartAssets.Train.Select(r => r.Instruction).ToHashSet();

        Assert.DoesNotContain(QuickstartAssets.Eval, r => trainInstructions.Contains(r.Instruction));
    }

    [Fact]
    public void SftRecords_InstructionOnly()
    {
        var all = QuickstartAssets.Train.Concat(QuickstartAssets.Eval).ToList();

        Assert.All(all, r => Assert.NotEmpty(r.Instruction));
        Assert.All(all, r => Assert.Empty(r.Input));
        Assert.All(all, r => Assert.NotEmpty(r.Output));
    }

    [Fact]
    public void SftRecords_AtMost300Chars()
    {
        var all = QuickstartAssets.Train.Concat(QuickstartAssets.Eval);

        Assert.All(all, r => Assert.InRange(r.Instruction.Length + r.Output.Length, 1, 300));
    }

    [Fact]
    public void Conversions_AnswersExact()
    {
        var conversions = QuickstartAssets.Train.Concat(QuickstartAssets.Eval).Where(IsConversion);

        Assert.All(conversions, r =>
        {
            var match = ConversionAnswer().Match(r.Output);
            var from = decimal.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            var to = decimal.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture);
            var expected = Convert(from, match.Groups[2].Value, match.Groups[4].Value);
            Assert.Equal(expected, to);
        });
    }

    static decimal Convert(decimal value, string fromUnit, string toUnit) => (fromUnit.TrimEnd('s'), toUnit.TrimEnd('s')) switch
    {
        ("km", "m") or ("kg", "g") => value * 1000,
        ("m", "km") or ("g", "kg") => value / 1000,
        ("°C", "°F") => value * 9 / 5 + 32,
        ("°F", "°C") => (value - 32) * 5 / 9,
        ("hour", "minute") => value * 60,
        ("minute", "hour") => value / 60,
        _ => throw new ArgumentException($"Unexpected unit pair {fromUnit} -> {toUnit}."),
    };

    [Fact]
    public void Conversions_QuestionStatesSourceValue()
    {
        var conversions = QuickstartAssets.Train.Concat(QuickstartAssets.Eval).Where(IsConversion);

        // "3 km = 3000 m." answers a question that contains "3 km".
        Assert.All(conversions, r => Assert.Contains(r.Output[..r.Output.IndexOf(" = ", StringComparison.Ordinal)], r.Instruction));
    }

    [Fact]
    public void WordProblems_StepsCorrect()
    {
        var problems = QuickstartAssets.Train.Concat(QuickstartAssets.Eval).Where(IsWordProblem);

        Assert.All(problems, r =>
        {
            var lines = r.Output.Split('\n');
            Assert.InRange(lines.Length, 3, 4);
            foreach (var line in lines[..^1])
            {
                var match = ArithmeticStep().Match(line);
                Assert.True(match.Success, $"Not a step: {line}");
                var a = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                var b = int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture);
                var expected = match.Groups[2].Value switch { "+" => a + b, "-" => a - b, "*" => a * b, _ => a / b };
                Assert.Equal(expected, int.Parse(match.Groups[4].Value, CultureInfo.InvariantCulture));
            }
        });
    }

    [Fact]
    public void WordProblems_AnswerIsLastStepResult()
    {
        var problems = QuickstartAssets.Train.Concat(QuickstartAssets.Eval).Where(IsWordProblem);

        Assert.All(problems, r =>
        {
            var lines = r.Output.Split('\n');
            var lastResult = lines[^2][(lines[^2].LastIndexOf("= ", StringComparison.Ordinal) + 2)..].TrimEnd('.');
            Assert.Equal($"Answer: {lastResult}", lines[^1]);
        });
    }

    [Fact]
    public void Code_TwoOrThreeLineFunction()
    {
        var functions = QuickstartAssets.Train.Concat(QuickstartAssets.Eval).Where(IsCode);

        Assert.All(functions, r =>
        {
            var lines = r.Output.Split('\n');
            Assert.InRange(lines.Length, 2, 3);
            Assert.EndsWith("):", lines[0]);
            Assert.StartsWith("    return ", lines[^1]);
        });
    }

    [Fact]
    public void Contracts_AnswerQuotedFromContract()
    {
        var contracts = QuickstartAssets.Train.Concat(QuickstartAssets.Eval).Where(IsContract);

        Assert.All(contracts, r => Assert.Contains(r.Output, r.Instruction));
    }

    [Fact]
    public void Pretrain_AtMost2MB()
    {
        var size = new FileInfo(QuickstartAssets.DataFile("pretrain.jsonl")).Length;

        Assert.InRange(size, 1, 2 * 1024 * 1024);
    }

    [Fact]
    public void Pretrain_NoInstructionForm()
    {
        Assert.DoesNotContain(QuickstartAssets.PretrainTexts, text => text.Contains("### ", StringComparison.Ordinal));
    }

    [Fact]
    public void Pretrain_StatesNoEvalConversion()
    {
        // The km, kg, °C or hours side of an eval answer, e.g. "3 km", must not occur as a whole
        // quantity in the pretraining text, so eval loss is not measured on facts the base model read.
        string[] primaryUnits = ["km", "kg", "°C", "hour", "hours"];
        var pretrain = string.Join("\n", QuickstartAssets.PretrainTexts);
        var leaked = QuickstartAssets.Eval
            .Where(IsConversion)
            .Select(r => ConversionAnswer().Match(r.Output))
            .Select(m => primaryUnits.Contains(m.Groups[2].Value) ? $"{m.Groups[1].Value} {m.Groups[2].Value}" : $"{m.Groups[3].Value} {m.Groups[4].Value}")
            .Where(quantity => Regex.IsMatch(pretrain, $@"(?<![\d.-]){Regex.Escape(quantity)}(?![a-z])"))
            .ToList();

        Assert.Empty(leaked);
    }
}
