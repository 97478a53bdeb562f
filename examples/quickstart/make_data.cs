// Generates the quickstart's training data, its character-level tokenizer and the base model's
// config files. Run from the repository root:
//
//     dotnet run examples/quickstart/make_data.cs
//
// Every choice comes from a fixed-seed SplitMix64 generator and every file is written with "\n"
// line endings, so each run writes the same bytes. The data is generated here, not copied from
// any data set.

using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

var outputRoot = AppContext.GetData("EntryPointFileDirectoryPath") as string
    ?? throw new InvalidOperationException("Run this file with 'dotnet run examples/quickstart/make_data.cs'.");
var dataDir = Path.Combine(outputRoot, "data");
var modelDir = Path.Combine(outputRoot, "base-model");
Directory.CreateDirectory(dataDir);
Directory.CreateDirectory(modelDir);

TaskFamily[] families = [Conversions.Family, Contracts.Family, WordProblems.Family, CodeFunctions.Family];

// Eval first, so that train and pretraining text can avoid every eval key.
var usedKeys = new HashSet<string>(StringComparer.Ordinal);
var eval = SftSets.Generate(families, total: 150, new Rng(0x5EED_0001), usedKeys);
var evalKeys = new HashSet<string>(usedKeys, StringComparer.Ordinal);
var train = SftSets.Generate(families, total: 1500, new Rng(0x5EED_0002), usedKeys);
var pretrain = Pretraining.Generate(families, targetBytes: 600_000, new Rng(0x5EED_0003), evalKeys);

var trainPath = Path.Combine(dataDir, "sft_train.jsonl");
var evalPath = Path.Combine(dataDir, "sft_eval.jsonl");
var pretrainPath = Path.Combine(dataDir, "pretrain.jsonl");
JsonFiles.WriteSft(trainPath, train);
JsonFiles.WriteSft(evalPath, eval);
JsonFiles.WriteTexts(pretrainPath, pretrain);

IEnumerable<string> allTexts = [
    .. train.SelectMany(r => new[] { r.Instruction, r.Input, r.Output }),
    .. eval.SelectMany(r => new[] { r.Instruction, r.Input, r.Output }),
    .. pretrain,
    AlpacaTemplate.TextWithoutPlaceholders,
];
var vocab = CharTokenizer.BuildVocab(allTexts);
var tokenizerPath = Path.Combine(modelDir, "tokenizer.json");
JsonFiles.Write(tokenizerPath, w => CharTokenizer.WriteTokenizerJson(w, vocab));
JsonFiles.Write(Path.Combine(modelDir, "tokenizer_config.json"), ModelFiles.WriteTokenizerConfig);
JsonFiles.Write(Path.Combine(modelDir, "config.json"), w => ModelFiles.WriteConfig(w, vocab.Count));
JsonFiles.Write(Path.Combine(modelDir, "generation_config.json"), ModelFiles.WriteGenerationConfig);

Summary.Print("sft_train.jsonl", trainPath, train);
Summary.Print("sft_eval.jsonl", evalPath, eval);
Console.WriteLine($"pretrain.jsonl: {pretrain.Count} records, {new FileInfo(pretrainPath).Length} bytes");
Console.WriteLine($"tokenizer.json: vocab size {vocab.Count}, {new FileInfo(tokenizerPath).Length} bytes");

/// <summary>One Alpaca-form record. Key identifies the underlying fact, so train, eval and pretraining text can be kept apart.</summary>
record SftRecord(string Instruction, string Input, string Output, string Key);

/// <summary>One prose statement for the pretraining text, with the key of the fact it states.</summary>
record Fact(string Text, string Key);

/// <summary>A task family: how to make an instruction record and how to state the same kind of fact as prose.</summary>
record TaskFamily(
    string Name,
    Func<Rng, SftRecord> MakeRecord,
    Func<Rng, Fact> MakeFact,
    int MinFactsPerDocument,
    int MaxFactsPerDocument,
    string FactSeparator);

/// <summary>SplitMix64 (Steele, Lea and Flood, 2014). Its output depends only on the seed, unlike System.Random, whose sequence .NET does not promise to keep across versions.</summary>
sealed class Rng(ulong seed)
{
    ulong state = seed;

    public ulong NextUInt64()
    {
        state += 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>An integer in [0, maxExclusive). The modulo bias is below 1e-15 for the small ranges used here.</summary>
    public int Next(int maxExclusive) => (int)(NextUInt64() % (ulong)maxExclusive);

    public int Range(int min, int maxInclusive) => min + Next(maxInclusive - min + 1);

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    public bool Chance(int percent) => Next(100) < percent;

    public void Shuffle<T>(IList<T> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}

/// <summary>The Alpaca prompt templates (Taori et al., Stanford Alpaca, 2023), kept here so that the tokenizer covers their characters.</summary>
static class AlpacaTemplate
{
    public const string NoInput =
        "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n" +
        "### Instruction:\n{instruction}\n\n### Response:\n";

    public const string WithInput =
        "Below is an instruction that describes a task, paired with an input that provides further context. " +
        "Write a response that appropriately completes the request.\n\n" +
        "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n";

    /// <summary>The template text without its placeholders.</summary>
    public static string TextWithoutPlaceholders => WithInput.Replace("{instruction}", "").Replace("{input}", "");

    public static string RenderPrompt(SftRecord record) => record.Input.Length == 0
        ? NoInput.Replace("{instruction}", record.Instruction)
        : WithInput.Replace("{instruction}", record.Instruction).Replace("{input}", record.Input);
}

static class SftSets
{
    /// <summary>Records are kept short because the model reads one character per token.</summary>
    public const int MaxRecordChars = 300;

    /// <summary>
    /// Generates <paramref name="total"/> records split evenly over the families (the first families
    /// get one more when it does not divide), each with a key not yet in <paramref name="usedKeys"/>,
    /// then shuffles them. Adds the new keys to <paramref name="usedKeys"/>.
    /// </summary>
    public static List<SftRecord> Generate(IReadOnlyList<TaskFamily> families, int total, Rng rng, HashSet<string> usedKeys)
    {
        var records = new List<SftRecord>(total);
        for (var f = 0; f < families.Count; f++)
        {
            var count = total / families.Count + (f < total % families.Count ? 1 : 0);
            var attempts = 0;
            var generated = 0;
            while (generated < count)
            {
                if (++attempts > 200 * count)
                    throw new InvalidOperationException($"Family {families[f].Name} ran out of distinct records after {generated} of {count}.");

                var record = families[f].MakeRecord(rng);
                var chars = record.Instruction.Length + record.Input.Length + record.Output.Length;
                if (chars > MaxRecordChars || !usedKeys.Add(record.Key))
                    continue;

                records.Add(record);
                generated++;
            }
        }

        rng.Shuffle(records);
        return records;
    }
}

static class Pretraining
{
    /// <summary>
    /// Generates prose documents, cycling through the families, until their JSONL lines reach
    /// <paramref name="targetBytes"/>. A document joins several facts of one family and states no
    /// fact whose key is in <paramref name="excludedKeys"/>.
    /// </summary>
    public static List<string> Generate(IReadOnlyList<TaskFamily> families, int targetBytes, Rng rng, HashSet<string> excludedKeys)
    {
        var documents = new List<string>();
        long bytes = 0;
        while (bytes < targetBytes)
        {
            var family = families[documents.Count % families.Count];
            var factCount = rng.Range(family.MinFactsPerDocument, family.MaxFactsPerDocument);
            var facts = new List<string>(factCount);
            while (facts.Count < factCount)
            {
                var fact = family.MakeFact(rng);
                if (!excludedKeys.Contains(fact.Key))
                    facts.Add(fact.Text);
            }

            var text = string.Join(family.FactSeparator, facts);
            documents.Add(text);
            bytes += JsonFiles.TextLine(text).Length + 1;
        }

        return documents;
    }
}

static class Numbers
{
    public static string Format(decimal value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>US-style amount with thousands separators, e.g. $12,500.</summary>
    public static string Dollars(int amount) => "$" + amount.ToString("#,0", CultureInfo.InvariantCulture);
}

/// <summary>Unit conversions with exact answers: km and m, kg and g, degrees Celsius and Fahrenheit, hours and minutes.</summary>
static class Conversions
{
    public static readonly TaskFamily Family = new("conversions", MakeRecord, MakeFact, 3, 6, " ");

    enum Dimension { Length, Mass, Temperature, Time }

    /// <summary>One quantity in two units: Primary in km, kg, °C or hours, and Secondary in m, g, °F or minutes.</summary>
    record Quantity(Dimension Dimension, decimal Primary, decimal Secondary)
    {
        public string Key => $"conversion:{Dimension}:{Numbers.Format(Primary)}";

        public string PrimaryText => Dimension switch
        {
            Dimension.Length => $"{Numbers.Format(Primary)} km",
            Dimension.Mass => $"{Numbers.Format(Primary)} kg",
            Dimension.Temperature => $"{Numbers.Format(Primary)} °C",
            _ => $"{Numbers.Format(Primary)} {(Primary == 1 ? "hour" : "hours")}",
        };

        public string SecondaryText => Dimension switch
        {
            Dimension.Length => $"{Numbers.Format(Secondary)} m",
            Dimension.Mass => $"{Numbers.Format(Secondary)} g",
            Dimension.Temperature => $"{Numbers.Format(Secondary)} °F",
            _ => $"{Numbers.Format(Secondary)} {(Secondary == 1 ? "minute" : "minutes")}",
        };
    }

    /// <summary>Unit names in questions, indexed by Dimension.</summary>
    static readonly string[] PrimaryUnitNames = ["kilometers", "kilograms", "degrees Celsius", "hours"];
    static readonly string[] SecondaryUnitNames = ["meters", "grams", "degrees Fahrenheit", "minutes"];

    static readonly string[] Phrasings =
    [
        "Convert {value} to {unit}.",
        "How many {unit} is {value}?",
        "What is {value} in {unit}?",
        "Express {value} in {unit}.",
        "Change {value} into {unit}.",
    ];

    static Quantity MakeQuantity(Rng rng)
    {
        var dimension = (Dimension)rng.Next(4);
        switch (dimension)
        {
            case Dimension.Temperature:
                // F = C * 9/5 + 32 has at most one decimal place for whole C, so both sides are exact.
                var celsius = (decimal)rng.Range(-40, 120);
                return new Quantity(dimension, celsius, celsius * 9 / 5 + 32);
            case Dimension.Time:
                // Whole, half and quarter hours give whole minutes.
                var hours = rng.Next(3) switch
                {
                    0 => rng.Range(1, 48),
                    1 => rng.Range(0, 23) + 0.5m,
                    _ => rng.Range(0, 11) + (rng.Chance(50) ? 0.25m : 0.75m),
                };
                return new Quantity(dimension, hours, hours * 60);
            default:
                var primary = rng.Next(3) switch
                {
                    0 => rng.Range(1, 150),
                    1 => rng.Range(1, 199) / 10m,
                    _ => rng.Range(0, 19) + (rng.Chance(50) ? 0.25m : 0.75m),
                };
                return new Quantity(dimension, primary, primary * 1000);
        }
    }

    static SftRecord MakeRecord(Rng rng)
    {
        var q = MakeQuantity(rng);
        var d = (int)q.Dimension;
        var (from, to, unit) = rng.Chance(50)
            ? (q.PrimaryText, q.SecondaryText, SecondaryUnitNames[d])
            : (q.SecondaryText, q.PrimaryText, PrimaryUnitNames[d]);

        var instruction = rng.Pick(Phrasings).Replace("{value}", from).Replace("{unit}", unit);
        return new SftRecord(instruction, "", $"{from} = {to}.", q.Key);
    }

    static Fact MakeFact(Rng rng)
    {
        var q = MakeQuantity(rng);
        var primary = q.PrimaryText;
        var secondary = q.SecondaryText;
        string[] sentences = q.Dimension switch
        {
            Dimension.Length =>
            [
                $"There are 1000 meters in a kilometer, so {primary} is {secondary}.",
                $"A kilometer is 1000 meters. Dividing {secondary} by 1000 gives {primary}.",
                $"Multiply kilometers by 1000 to get meters: {primary} = {secondary}.",
                $"A distance of {secondary} is the same as {primary}.",
            ],
            Dimension.Mass =>
            [
                $"One kilogram is 1000 grams, so {primary} weighs the same as {secondary}.",
                $"To turn grams into kilograms, divide by 1000: {secondary} = {primary}.",
                $"A bag of {primary} holds {secondary} of flour.",
                $"Multiply kilograms by 1000 to get grams, so {primary} is {secondary}.",
            ],
            Dimension.Temperature =>
            [
                $"To convert Celsius to Fahrenheit, multiply by 9/5 and add 32, so {primary} is {secondary}.",
                $"To convert Fahrenheit to Celsius, subtract 32 and multiply by 5/9: {secondary} = {primary}.",
                $"A reading of {primary} is the same temperature as {secondary}.",
                $"Water at {primary} measures {secondary} on the Fahrenheit scale.",
            ],
            _ =>
            [
                $"An hour has 60 minutes, so {primary} is {secondary}.",
                $"Divide minutes by 60 to get hours: {secondary} = {primary}.",
                $"A trip of {primary} takes {secondary}.",
                $"Multiply hours by 60 to get minutes, so {primary} = {secondary}.",
            ],
        };
        return new Fact(rng.Pick(sentences), q.Key);
    }
}

/// <summary>Short contract paragraphs with one field asked for and answered exactly as the contract states it.</summary>
static class Contracts
{
    public static readonly TaskFamily Family = new("contracts", MakeRecord, MakeFact, 1, 1, "");

    static readonly string[] NamePrefixes =
    [
        "Northwind", "Blue Harbor", "Oak Ridge", "Silverline", "Redwood", "Crescent", "Summit", "Lakeside",
        "Ironbridge", "Maple", "Greenfield", "Bright Path", "Stonegate", "Westbrook", "Clearwater", "Pinecrest",
        "Riverside", "Granite", "Sunfield", "Eastgate", "Cedar", "Falcon", "Harborview", "Willow",
    ];

    static readonly string[] NameSuffixes =
    [
        "Ltd", "LLC", "Inc", "Labs", "Logistics", "Foods", "Media", "Systems", "Builders", "Consulting", "Partners", "Group",
    ];

    static readonly string[] Months =
    [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ];

    static readonly int[] NoticeDays = [7, 10, 14, 15, 21, 30, 45, 60, 90];

    enum Field { First, Second, StartDate, Amount, Term, Notice }

    /// <summary>One contract: the two parties, the roles they play, and the terms.</summary>
    record Contract(int Template, string First, string Second, string StartDate, string Amount, string Term, string Notice)
    {
        /// <summary>Roles of First and Second, and the word for the amount, per template.</summary>
        public (string FirstRole, string SecondRole, string AmountName) Labels => Template switch
        {
            0 => ("Provider", "Client", "monthly fee"),
            1 => ("Supplier", "Buyer", "total price"),
            _ => ("Landlord", "Tenant", "monthly rent"),
        };

        public string Text => Template switch
        {
            0 => $"This agreement is between {First} (the Provider) and {Second} (the Client). It starts on {StartDate} " +
                 $"and runs for {Term}. The Client pays {Amount} per month. Either party may end it with {Notice}' notice.",
            1 => $"{First} (the Supplier) will sell goods to {Second} (the Buyer) for a total price of {Amount}. " +
                 $"Delivery starts on {StartDate} and the contract lasts {Term}. Notice to cancel: {Notice}.",
            _ => $"{First} (the Landlord) leases an office to {Second} (the Tenant) for {Term} from {StartDate}. " +
                 $"Rent is {Amount} per month. The Tenant may leave with {Notice}' written notice.",
        };

        public string Answer(Field field) => field switch
        {
            Field.First => First,
            Field.Second => Second,
            Field.StartDate => StartDate,
            Field.Amount => Amount,
            Field.Term => Term,
            _ => Notice,
        };
    }

    static Contract MakeContract(Rng rng)
    {
        var first = CompanyName(rng);
        string second;
        do second = CompanyName(rng); while (second == first);

        var start = $"{rng.Pick(Months)} {rng.Range(1, 28)}, {rng.Range(2023, 2027)}";
        var amount = Numbers.Dollars(rng.Range(10, 600) * 50);
        var months = rng.Range(2, 36);
        return new Contract(rng.Next(3), first, second, start, amount, $"{months} months", $"{rng.Pick(NoticeDays)} days");
    }

    static string CompanyName(Rng rng) => $"{rng.Pick(NamePrefixes)} {rng.Pick(NameSuffixes)}";

    static string Question(Rng rng, Contract contract, Field field)
    {
        var (firstRole, secondRole, amountName) = contract.Labels;
        string[] options = field switch
        {
            Field.First => [$"Who is the {firstRole}?", $"Which company is the {firstRole}?", $"Name the {firstRole}."],
            Field.Second => [$"Who is the {secondRole}?", $"Which company is the {secondRole}?", $"Name the {secondRole}."],
            Field.StartDate => ["What is the start date?", "When does the contract start?", "On what date does it begin?"],
            Field.Amount => [$"What is the {amountName}?", $"How much is the {amountName}?", $"State the {amountName}."],
            Field.Term => ["How long is the term?", "How long does the contract last?", "What is the term?"],
            _ => ["What is the notice period?", "How much notice is needed to end it?", "How many days of notice are required?"],
        };
        return rng.Pick(options);
    }

    static readonly string[] Wrappers =
    [
        "{contract}\n\n{question}",
        "Read the contract and answer.\n{contract}\nQuestion: {question}",
        "Contract: {contract}\n{question}",
        "{question}\n\n{contract}",
    ];

    static SftRecord MakeRecord(Rng rng)
    {
        var contract = MakeContract(rng);
        var field = (Field)rng.Next(6);
        var instruction = rng.Pick(Wrappers)
            .Replace("{contract}", contract.Text)
            .Replace("{question}", Question(rng, contract, field));
        return new SftRecord(instruction, "", contract.Answer(field), "contract:" + contract.Text);
    }

    static Fact MakeFact(Rng rng)
    {
        var contract = MakeContract(rng);
        var (firstRole, secondRole, amountName) = contract.Labels;
        string[] notes =
        [
            $"In this contract the {firstRole} is {contract.First} and the {secondRole} is {contract.Second}.",
            $"The {amountName} is {contract.Amount}, and the term is {contract.Term}.",
            $"The contract starts on {contract.StartDate}. The notice period is {contract.Notice}.",
            $"{contract.Second} is the {secondRole}, and {contract.First} is the {firstRole}.",
        ];
        var first = rng.Next(notes.Length);
        var second = (first + 1 + rng.Next(notes.Length - 1)) % notes.Length;
        return new Fact($"{contract.Text}\n{notes[first]} {notes[second]}", "contract:" + contract.Text);
    }
}

/// <summary>Word problems of two or three arithmetic steps. The answer shows each step and ends with "Answer: N".</summary>
static class WordProblems
{
    public static readonly TaskFamily Family = new("word_problems", MakeRecord, MakeFact, 2, 3, " ");

    static readonly (string Name, string Pronoun)[] People =
    [
        ("Sam", "He"), ("Mia", "She"), ("Leo", "He"), ("Ava", "She"), ("Noah", "He"), ("Zoe", "She"),
        ("Omar", "He"), ("Lena", "She"), ("Ravi", "He"), ("Ines", "She"), ("Tom", "He"), ("Yuki", "She"),
        ("Ben", "He"), ("Nora", "She"), ("Kai", "He"), ("Ella", "She"),
    ];

    static readonly string[] Items = ["apples", "pencils", "stickers", "marbles", "cookies", "books", "cards", "shells", "stamps", "balloons"];

    /// <summary>One problem: its wording, its steps as "a op b = c", and a key for its numbers.</summary>
    record Problem(string Question, string Story, IReadOnlyList<string> Steps, int Answer, string Key);

    static string Step(int a, char op, int b, out int result)
    {
        result = op switch { '+' => a + b, '-' => a - b, '*' => a * b, _ => a / b };
        return $"{a} {op} {b} = {result}";
    }

    static Problem MakeProblem(Rng rng)
    {
        var (name, pronoun) = rng.Pick(People);
        var lower = pronoun.ToLowerInvariant();
        var item = rng.Pick(Items);
        var template = rng.Next(6);
        switch (template)
        {
            case 0:
            {
                int a = rng.Range(5, 60), b = rng.Range(2, 40);
                var s1 = Step(a, '+', b, out var r1);
                var c = rng.Range(1, r1 - 1);
                var s2 = Step(r1, '-', c, out var r2);
                return new Problem(
                    $"{name} has {a} {item}. {pronoun} buys {b} more, then gives {c} to a friend. How many {item} does {name} have now?",
                    $"{name} had {a} {item} and bought {b} more, so {lower} had {s1}. Then {lower} gave away {c}, leaving {s2}.",
                    [s1, s2], r2, $"word:{template}:{a}:{b}:{c}");
            }
            case 1:
            {
                int a = rng.Range(3, 12), b = rng.Range(2, 9);
                var s1 = Step(a, '*', b, out var r1);
                var c = rng.Range(1, r1 - 1);
                var s2 = Step(r1, '-', c, out var r2);
                return new Problem(
                    $"A box holds {a} {item}. {name} fills {b} boxes and then uses {c} {item}. How many {item} are left?",
                    $"{b} boxes of {a} {item} make {s1}. After using {c}, {name} has {s2} {item} left.",
                    [s1, s2], r2, $"word:{template}:{a}:{b}:{c}");
            }
            case 2:
            {
                int a = rng.Range(5, 30), b = rng.Range(2, 9), c = rng.Range(1, 40);
                var s1 = Step(a, '*', b, out var r1);
                var s2 = Step(r1, '+', c, out var r2);
                return new Problem(
                    $"{name} reads {a} pages a day for {b} days, then reads {c} more pages. How many pages does {name} read in total?",
                    $"Reading {a} pages a day for {b} days gives {s1} pages. With {c} more pages, {name} reads {s2} in total.",
                    [s1, s2], r2, $"word:{template}:{a}:{b}:{c}");
            }
            case 3:
            {
                int b = rng.Range(2, 9), q = rng.Range(2, 12), c = rng.Range(1, 10);
                var a = b * q;
                var s1 = Step(a, '/', b, out var r1);
                var s2 = Step(r1, '+', c, out var r2);
                return new Problem(
                    $"{name} shares {a} {item} equally among {b} friends. Then each friend gets {c} more. How many {item} does each friend have?",
                    $"Sharing {a} {item} among {b} friends gives each {s1}. Adding {c} more makes {s2} each.",
                    [s1, s2], r2, $"word:{template}:{a}:{b}:{c}");
            }
            case 4:
            {
                int a = rng.Range(2, 9), b = rng.Range(3, 12), c = rng.Range(1, 20);
                var s1 = Step(a, '*', b, out var r1);
                var s2 = Step(r1, '+', c, out var r2);
                var d = rng.Range(1, r2 - 1);
                var s3 = Step(r2, '-', d, out var r3);
                return new Problem(
                    $"{name} buys {a} packs of {b} {item} and {c} loose {item}, then gives away {d}. How many {item} are left?",
                    $"{a} packs of {b} {item} are {s1}. Adding {c} loose ones gives {s2}. Giving away {d} leaves {s3}.",
                    [s1, s2, s3], r3, $"word:{template}:{a}:{b}:{c}:{d}");
            }
            default:
            {
                int a = rng.Range(40, 200), b = rng.Range(1, 30);
                var s1 = Step(a, '-', b, out var r1);
                var c = rng.Range(1, r1 - 1);
                var s2 = Step(r1, '-', c, out var r2);
                var d = rng.Range(5, 80);
                var s3 = Step(r2, '+', d, out var r3);
                return new Problem(
                    $"A shop has {a} {item}. It sells {b} in the morning and {c} in the afternoon, then gets a delivery of {d}. How many {item} does it have now?",
                    $"The shop starts with {a} {item}. Selling {b} leaves {s1}, selling {c} more leaves {s2}, and a delivery of {d} brings it to {s3}.",
                    [s1, s2, s3], r3, $"word:{template}:{a}:{b}:{c}:{d}");
            }
        }
    }

    static readonly string[] Prefixes = ["", "", "Solve step by step. ", "Work it out step by step: ", "Show your steps. "];

    static SftRecord MakeRecord(Rng rng)
    {
        var problem = MakeProblem(rng);
        var steps = problem.Steps.Select((step, i) => $"Step {i + 1}: {step}.");
        var output = string.Join("\n", steps) + $"\nAnswer: {problem.Answer}";
        return new SftRecord(rng.Pick(Prefixes) + problem.Question, "", output, problem.Key);
    }

    static Fact MakeFact(Rng rng)
    {
        var problem = MakeProblem(rng);
        return new Fact(problem.Story, problem.Key);
    }
}

/// <summary>Two- or three-line Python functions with varied names, parameters and operations.</summary>
static class CodeFunctions
{
    public static readonly TaskFamily Family = new("code", MakeRecord, MakeFact, 2, 4, "\n\n");

    enum Kind { Number, Pair, List, Text }

    /// <summary>One operation: what the function returns (in words), its body, and the names it may have. {p}, {q} are parameters and {k} a constant.</summary>
    record Operation(string Id, Kind Kind, string Description, string Expression, string[] Names, bool UsesConstant = false);

    static readonly Operation[] Operations =
    [
        new("square", Kind.Number, "the square of {p}", "{p} * {p}", ["square", "squared", "square_of"]),
        new("cube", Kind.Number, "the cube of {p}", "{p} ** 3", ["cube", "cubed", "cube_of"]),
        new("half", Kind.Number, "half of {p}", "{p} / 2", ["half", "halve", "half_of"]),
        new("negate", Kind.Number, "the negative of {p}", "-{p}", ["negate", "negative", "flip_sign"]),
        new("abs", Kind.Number, "the absolute value of {p}", "abs({p})", ["absolute", "magnitude", "abs_value"]),
        new("is_even", Kind.Number, "True if {p} is even", "{p} % 2 == 0", ["is_even", "even", "check_even"]),
        new("is_odd", Kind.Number, "True if {p} is odd", "{p} % 2 == 1", ["is_odd", "odd", "check_odd"]),
        new("km_to_m", Kind.Number, "{p} kilometers in meters", "{p} * 1000", ["km_to_m", "to_meters", "kilometers_to_meters"]),
        new("kg_to_g", Kind.Number, "{p} kilograms in grams", "{p} * 1000", ["kg_to_g", "to_grams", "kilograms_to_grams"]),
        new("c_to_f", Kind.Number, "{p} degrees Celsius in Fahrenheit", "{p} * 9 / 5 + 32", ["c_to_f", "to_fahrenheit", "celsius_to_fahrenheit"]),
        new("hours_to_minutes", Kind.Number, "{p} hours in minutes", "{p} * 60", ["hours_to_minutes", "to_minutes", "h_to_min"]),
        new("add", Kind.Number, "{p} plus {k}", "{p} + {k}", ["add_{k}", "plus_{k}", "increase_by_{k}"], true),
        new("subtract", Kind.Number, "{p} minus {k}", "{p} - {k}", ["subtract_{k}", "minus_{k}", "decrease_by_{k}"], true),
        new("multiply", Kind.Number, "{p} multiplied by {k}", "{p} * {k}", ["times_{k}", "multiply_by_{k}", "scale_{k}"], true),
        new("divisible", Kind.Number, "True if {p} is divisible by {k}", "{p} % {k} == 0", ["divisible_by_{k}", "is_multiple_of_{k}"], true),
        new("remainder", Kind.Number, "the remainder of {p} divided by {k}", "{p} % {k}", ["mod_{k}", "remainder_{k}"], true),
        new("power", Kind.Number, "{p} raised to the power {k}", "{p} ** {k}", ["power_{k}", "pow_{k}", "raise_to_{k}"], true),
        new("sum2", Kind.Pair, "the sum of {p} and {q}", "{p} + {q}", ["add", "total", "sum_two"]),
        new("product", Kind.Pair, "the product of {p} and {q}", "{p} * {q}", ["multiply", "product", "times"]),
        new("difference", Kind.Pair, "{p} minus {q}", "{p} - {q}", ["subtract", "difference", "minus"]),
        new("max2", Kind.Pair, "the larger of {p} and {q}", "max({p}, {q})", ["larger", "bigger", "max_of_two"]),
        new("min2", Kind.Pair, "the smaller of {p} and {q}", "min({p}, {q})", ["smaller", "lesser", "min_of_two"]),
        new("mean2", Kind.Pair, "the average of {p} and {q}", "({p} + {q}) / 2", ["average", "mean", "midpoint"]),
        new("list_sum", Kind.List, "the sum of the numbers in {p}", "sum({p})", ["list_sum", "sum_all", "total_of"]),
        new("list_max", Kind.List, "the largest number in {p}", "max({p})", ["largest", "list_max", "biggest"]),
        new("list_min", Kind.List, "the smallest number in {p}", "min({p})", ["smallest", "list_min", "lowest"]),
        new("first", Kind.List, "the first item of the list {p}", "{p}[0]", ["first", "head", "first_item"]),
        new("last", Kind.List, "the last item of the list {p}", "{p}[-1]", ["last", "last_item", "tail_item"]),
        new("count", Kind.List, "the number of items in {p}", "len({p})", ["count", "size", "num_items"]),
        new("reverse", Kind.Text, "the string {p} reversed", "{p}[::-1]", ["reverse", "reversed_text", "backwards"]),
        new("upper", Kind.Text, "the string {p} in upper case", "{p}.upper()", ["shout", "to_upper", "upper_case"]),
        new("length", Kind.Text, "the length of the string {p}", "len({p})", ["length", "text_length", "char_count"]),
    ];

    static readonly string[][] ParameterNames =
    [
        ["x", "n", "value", "num"],
        ["a", "b", "x", "y", "m", "n"],
        ["items", "nums", "values", "xs"],
        ["s", "text", "word", "name"],
    ];

    /// <summary>One function: its name, parameter list, docstring text and body line.</summary>
    record Function(string Name, string Parameters, string Description, string Expression, string Key)
    {
        public string Code(bool withDocstring) => withDocstring
            ? $"def {Name}({Parameters}):\n    \"\"\"Return {Description}.\"\"\"\n    return {Expression}"
            : $"def {Name}({Parameters}):\n    return {Expression}";
    }

    static Function MakeFunction(Rng rng)
    {
        var op = rng.Pick(Operations);
        var names = ParameterNames[(int)op.Kind];
        var p = rng.Pick(names);
        var q = p;
        if (op.Kind == Kind.Pair)
        {
            // Parameters come in the pairs (a, b), (x, y), (m, n).
            var pair = rng.Next(names.Length / 2);
            p = names[2 * pair];
            q = names[2 * pair + 1];
        }

        var k = op.UsesConstant ? rng.Range(2, 12).ToString(CultureInfo.InvariantCulture) : "";
        string Fill(string template) => template.Replace("{p}", p).Replace("{q}", q).Replace("{k}", k);

        var name = Fill(rng.Pick(op.Names));
        var parameters = op.Kind == Kind.Pair ? $"{p}, {q}" : p;
        return new Function(name, parameters, Fill(op.Description), Fill(op.Expression), $"code:{op.Id}:{k}:{name}:{parameters}");
    }

    static readonly string[] Phrasings =
    [
        "Write a Python function {name}({params}) that returns {desc}.",
        "Define a Python function called {name} that takes {params} and returns {desc}.",
        "Create a function named {name} in Python. It should return {desc}.",
        "In Python, write {name}({params}), which returns {desc}.",
    ];

    static SftRecord MakeRecord(Rng rng)
    {
        var function = MakeFunction(rng);
        var withDocstring = rng.Chance(25);
        var instruction = rng.Pick(Phrasings)
            .Replace("{name}", function.Name)
            .Replace("{params}", function.Parameters)
            .Replace("{desc}", function.Description);
        if (withDocstring)
            instruction += " Include a docstring.";
        return new SftRecord(instruction, "", function.Code(withDocstring), function.Key);
    }

    static Fact MakeFact(Rng rng)
    {
        var function = MakeFunction(rng);
        var text = rng.Next(3) switch
        {
            0 => $"# {function.Name} returns {function.Description}.\n{function.Code(false)}",
            1 => function.Code(true),
            _ => $"The function {function.Name}({function.Parameters}) returns {function.Description}:\n{function.Code(false)}",
        };
        return new Fact(text, function.Key);
    }
}

/// <summary>A character-level tokenizer in Hugging Face tokenizers' JSON format.</summary>
static class CharTokenizer
{
    public static readonly string[] SpecialTokens = ["<unk>", "<s>", "</s>"];

    /// <summary>
    /// Returns the vocabulary in id order: the special tokens, the 256 byte-fallback tokens
    /// &lt;0x00&gt;..&lt;0xFF&gt;, then every character of <paramref name="texts"/> sorted by code point.
    /// </summary>
    public static List<string> BuildVocab(IEnumerable<string> texts)
    {
        var chars = new SortedSet<int>();
        foreach (var text in texts)
        {
            foreach (var rune in text.EnumerateRunes())
                chars.Add(rune.Value);
        }

        var vocab = new List<string>(SpecialTokens);
        for (var b = 0; b < 256; b++)
            vocab.Add($"<0x{b:X2}>");
        foreach (var c in chars)
            vocab.Add(char.ConvertFromUtf32(c));
        return vocab;
    }

    /// <summary>
    /// Writes a BPE model with no merges, so every character in the vocabulary is one token and any
    /// other character falls back to its UTF-8 bytes. There is no normalizer and no pre-tokenizer,
    /// and the decoder only turns byte tokens back into text, so decoding returns the input exactly.
    /// The post-processor adds &lt;s&gt; in front, as Llama's tokenizer does.
    /// </summary>
    public static void WriteTokenizerJson(Utf8JsonWriter w, IReadOnlyList<string> vocab)
    {
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");

        w.WriteStartArray("added_tokens");
        for (var id = 0; id < SpecialTokens.Length; id++)
        {
            w.WriteStartObject();
            w.WriteNumber("id", id);
            w.WriteString("content", SpecialTokens[id]);
            w.WriteBoolean("single_word", false);
            w.WriteBoolean("lstrip", false);
            w.WriteBoolean("rstrip", false);
            w.WriteBoolean("normalized", false);
            w.WriteBoolean("special", true);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteNull("normalizer");
        w.WriteNull("pre_tokenizer");
        WritePostProcessor(w);

        w.WriteStartObject("decoder");
        w.WriteString("type", "Sequence");
        w.WriteStartArray("decoders");
        w.WriteStartObject();
        w.WriteString("type", "ByteFallback");
        w.WriteEndObject();
        w.WriteStartObject();
        w.WriteString("type", "Fuse");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();

        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteString("unk_token", "<unk>");
        w.WriteNull("continuing_subword_prefix");
        w.WriteNull("end_of_word_suffix");
        w.WriteBoolean("fuse_unk", true);
        w.WriteBoolean("byte_fallback", true);
        w.WriteStartObject("vocab");
        for (var id = 0; id < vocab.Count; id++)
            w.WriteNumber(vocab[id], id);
        w.WriteEndObject();
        w.WriteStartArray("merges");
        w.WriteEndArray();
        w.WriteEndObject();

        w.WriteEndObject();
    }

    /// <summary>TemplateProcessing as in Llama's tokenizer.json: "&lt;s&gt; $A" for one sequence, "&lt;s&gt; $A &lt;s&gt; $B" for a pair.</summary>
    static void WritePostProcessor(Utf8JsonWriter w)
    {
        w.WriteStartObject("post_processor");
        w.WriteString("type", "TemplateProcessing");
        w.WriteStartArray("single");
        WriteSpecialPiece(w, 0);
        WriteSequencePiece(w, "A", 0);
        w.WriteEndArray();
        w.WriteStartArray("pair");
        WriteSpecialPiece(w, 0);
        WriteSequencePiece(w, "A", 0);
        WriteSpecialPiece(w, 1);
        WriteSequencePiece(w, "B", 1);
        w.WriteEndArray();
        w.WriteStartObject("special_tokens");
        w.WriteStartObject("<s>");
        w.WriteString("id", "<s>");
        w.WriteStartArray("ids");
        w.WriteNumberValue(1);
        w.WriteEndArray();
        w.WriteStartArray("tokens");
        w.WriteStringValue("<s>");
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    static void WriteSpecialPiece(Utf8JsonWriter w, int typeId)
    {
        w.WriteStartObject();
        w.WriteStartObject("SpecialToken");
        w.WriteString("id", "<s>");
        w.WriteNumber("type_id", typeId);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    static void WriteSequencePiece(Utf8JsonWriter w, string id, int typeId)
    {
        w.WriteStartObject();
        w.WriteStartObject("Sequence");
        w.WriteString("id", id);
        w.WriteNumber("type_id", typeId);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}

/// <summary>The base model's Hugging Face config files (LlamaForCausalLM).</summary>
static class ModelFiles
{
    public const int MaxPositions = 512;

    public static void WriteConfig(Utf8JsonWriter w, int vocabSize)
    {
        w.WriteStartObject();
        w.WriteStartArray("architectures");
        w.WriteStringValue("LlamaForCausalLM");
        w.WriteEndArray();
        w.WriteString("model_type", "llama");
        w.WriteNumber("vocab_size", vocabSize);
        w.WriteNumber("hidden_size", 128);
        w.WriteNumber("intermediate_size", 352);
        w.WriteNumber("num_hidden_layers", 4);
        w.WriteNumber("num_attention_heads", 4);
        w.WriteNumber("num_key_value_heads", 2);
        w.WriteNumber("head_dim", 32);
        w.WriteString("hidden_act", "silu");
        w.WriteNumber("max_position_embeddings", MaxPositions);
        w.WriteNumber("rms_norm_eps", 1e-5);
        w.WriteNumber("rope_theta", 10000.0);
        w.WriteNull("rope_scaling");
        w.WriteBoolean("attention_bias", false);
        w.WriteNumber("attention_dropout", 0.0);
        w.WriteBoolean("mlp_bias", false);
        w.WriteNumber("initializer_range", 0.02);
        w.WriteBoolean("tie_word_embeddings", true);
        w.WriteNumber("bos_token_id", 1);
        w.WriteNumber("eos_token_id", 2);
        w.WriteString("torch_dtype", "float32");
        w.WriteBoolean("use_cache", true);
        w.WriteEndObject();
    }

    /// <summary>LlamaTokenizerFast settings as Llama checkpoints write them: add &lt;s&gt; but not &lt;/s&gt; when encoding.</summary>
    /// <remarks>NOTE: loading these files with Python transformers has not been tried.</remarks>
    public static void WriteTokenizerConfig(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteBoolean("add_bos_token", true);
        w.WriteBoolean("add_eos_token", false);
        w.WriteStartObject("added_tokens_decoder");
        for (var id = 0; id < CharTokenizer.SpecialTokens.Length; id++)
        {
            w.WriteStartObject(id.ToString(CultureInfo.InvariantCulture));
            w.WriteString("content", CharTokenizer.SpecialTokens[id]);
            w.WriteBoolean("lstrip", false);
            w.WriteBoolean("normalized", false);
            w.WriteBoolean("rstrip", false);
            w.WriteBoolean("single_word", false);
            w.WriteBoolean("special", true);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteString("bos_token", "<s>");
        w.WriteString("eos_token", "</s>");
        w.WriteString("unk_token", "<unk>");
        w.WriteNull("pad_token");
        w.WriteBoolean("clean_up_tokenization_spaces", false);
        w.WriteBoolean("legacy", true);
        w.WriteNumber("model_max_length", MaxPositions);
        w.WriteString("tokenizer_class", "LlamaTokenizerFast");
        w.WriteEndObject();
    }

    public static void WriteGenerationConfig(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteNumber("bos_token_id", 1);
        w.WriteNumber("eos_token_id", 2);
        w.WriteEndObject();
    }
}

static class JsonFiles
{
    /// <summary>Keeps °, quotes in code and &lt; &gt; readable instead of \u escapes; the files are data, never embedded in HTML.</summary>
    static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    public static void Write(string path, Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, NewLine = "\n", Encoder = Encoder }))
            write(writer);
        stream.WriteByte((byte)'\n');
        File.WriteAllBytes(path, stream.ToArray());
    }

    public static byte[] TextLine(string text) => Line(w =>
    {
        w.WriteStartObject();
        w.WriteString("text", text);
        w.WriteEndObject();
    });

    public static void WriteSft(string path, IEnumerable<SftRecord> records) => WriteLines(path, records.Select(r => Line(w =>
    {
        w.WriteStartObject();
        w.WriteString("instruction", r.Instruction);
        w.WriteString("input", r.Input);
        w.WriteString("output", r.Output);
        w.WriteEndObject();
    })));

    public static void WriteTexts(string path, IEnumerable<string> texts) => WriteLines(path, texts.Select(TextLine));

    static byte[] Line(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = Encoder }))
            write(writer);
        return stream.ToArray();
    }

    static void WriteLines(string path, IEnumerable<byte[]> lines)
    {
        using var file = File.Create(path);
        foreach (var line in lines)
        {
            file.Write(line);
            file.WriteByte((byte)'\n');
        }
    }
}

static class Summary
{
    /// <summary>Prints record count, file size and tokens per record as the trainer feeds them to the model: &lt;s&gt;, the Alpaca prompt, the output, &lt;/s&gt;, one token per character.</summary>
    public static void Print(string label, string path, IReadOnlyList<SftRecord> records)
    {
        var tokens = records
            .Select(r => 2 + (AlpacaTemplate.RenderPrompt(r) + r.Output).EnumerateRunes().Count())
            .ToList();
        var outputs = records.Select(r => 1 + r.Output.EnumerateRunes().Count()).ToList();
        Console.WriteLine(
            $"{label}: {records.Count} records, {new FileInfo(path).Length} bytes; " +
            $"tokens per record mean {tokens.Average():F1}, max {tokens.Max()}; " +
            $"response tokens (with </s>) mean {outputs.Average():F1}, max {outputs.Max()}");
    }
}
