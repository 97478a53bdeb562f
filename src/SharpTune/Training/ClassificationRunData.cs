using SharpTune.Data;
using SharpTune.Recipes;
using SharpTune.Tokenization;

namespace SharpTune.Training;

/// <summary>The tokenized train and eval sets of a classify run and its class labels in class-id order.</summary>
public sealed record ClassificationRunData(RunData Data, IReadOnlyList<string> Labels)
{
    /// <summary>
    /// Reads <c>data.train</c> (and <c>data.eval</c>) as text and label records. The classes are the training
    /// file's labels; a <c>data.eval_fraction</c> split holds out a seeded random part of the training rows.
    /// </summary>
    public static ClassificationRunData Load(Recipe recipe, HfTokenizer tokenizer)
    {
        var options = recipe.Data;
        var labels = ClassificationExamples.LabelSet(options.Train, options.LabelField);
        var train = ClassificationExamples.Build(options.Train, tokenizer, options.MaxLength, options.TextField, options.LabelField, labels);
        TokenizedDataset? eval = null;
        if (options.Eval is string evalPath)
        {
            eval = ClassificationExamples.Build(evalPath, tokenizer, options.MaxLength, options.TextField, options.LabelField, labels);
        }
        else if (options.EvalFraction > 0)
        {
            var (trainRows, evalRows) = EvalSplit.Split(train.Examples, options.EvalFraction, (ulong)recipe.Training.Seed);
            train = train with { Examples = trainRows };
            eval = new TokenizedDataset(evalRows, 0, 0, 0);
        }
        return new ClassificationRunData(new RunData(train, eval), labels);
    }
}
