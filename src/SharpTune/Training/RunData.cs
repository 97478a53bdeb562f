using SharpTune.ChatTemplates;
using SharpTune.Data;
using SharpTune.Recipes;
using SharpTune.Tokenization;

namespace SharpTune.Training;

/// <summary>The tokenized train and eval sets of a run, with the counts it reports.</summary>
public sealed record RunData(TokenizedDataset Train, TokenizedDataset? Eval)
{
    /// <summary>
    /// Reads, checks and tokenizes the recipe's data: continued pre-training takes <c>text</c> records,
    /// supervised fine-tuning takes Alpaca or chat records. Eval data comes from <c>data.eval</c>, or a seeded
    /// <c>data.eval_fraction</c> split of the training file.
    /// </summary>
    public static RunData Load(Recipe recipe, HfTokenizer tokenizer, int contextWindow)
    {
        var format = ToDatasetFormat(recipe.Data.Format);
        var train = RecordParser.Load(recipe.Data.Train, format);
        CheckObjective(recipe, train, recipe.Data.Train);

        IReadOnlyList<TrainingRecord> trainRecords = train.Records;
        IReadOnlyList<TrainingRecord>? evalRecords = null;
        if (recipe.Data.Eval is string evalPath)
        {
            var eval = RecordParser.Load(evalPath, format);
            CheckObjective(recipe, eval, evalPath);
            evalRecords = eval.Records;
        }
        else if (recipe.Data.EvalFraction > 0)
        {
            (trainRecords, evalRecords) = EvalSplit.Split(train.Records, recipe.Data.EvalFraction, (ulong)recipe.Training.Seed);
        }

        return new RunData(Tokenize(recipe, tokenizer, contextWindow, trainRecords),
            evalRecords is null ? null : Tokenize(recipe, tokenizer, contextWindow, evalRecords));
    }

    static TokenizedDataset Tokenize(Recipe recipe, HfTokenizer tokenizer, int contextWindow, IReadOnlyList<TrainingRecord> records) =>
        recipe.Objective == ObjectiveKind.Cpt
            ? new TextExampleBuilder(tokenizer, recipe.Data.MaxLength, recipe.UsesPacking, contextWindow).Build(records.Cast<TextRecord>())
            : new SftExampleBuilder(tokenizer, recipe.Data.MaxLength, contextWindow,
                ModelChatTemplate.Load(recipe.Model), recipe.Data.MaskHistory).Build(records);

    static void CheckObjective(Recipe recipe, ParsedDataset data, string path)
    {
        bool isText = data.Format == DatasetFormat.Text;
        if (recipe.Objective == ObjectiveKind.Cpt && !isText)
            throw SharpTuneInputException.At(path, null, "objective",
                $"cpt needs plain-text records with a `text` field, but this file is {data.Format}; use objective: sft for instruction or chat data");
        if (recipe.Objective == ObjectiveKind.Sft && isText)
            throw SharpTuneInputException.At(path, null, "objective",
                "sft needs instruction/output or messages records, but this file holds plain `text` records; use objective: cpt for raw text");
    }

    static DatasetFormat ToDatasetFormat(DataFormat format) => format switch
    {
        DataFormat.Text => DatasetFormat.Text,
        DataFormat.Alpaca => DatasetFormat.Alpaca,
        DataFormat.Chat => DatasetFormat.Chat,
        _ => DatasetFormat.Auto,
    };
}
