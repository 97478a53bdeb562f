namespace SharpTune.Recipes;

/// <summary>Recipe section <c>data</c>: where the examples come from and how they become sequences.</summary>
public sealed record DataOptions
{
    /// <summary>Training data file. Key <c>data.train</c>, required.</summary>
    public required string Train { get; init; }

    /// <summary>Evaluation data file. Key <c>data.eval</c>, default none.</summary>
    public string? Eval { get; init; }

    /// <summary>
    /// Fraction of the training examples held out for evaluation, in [0, 1). Key <c>data.eval_fraction</c>,
    /// default 0. Only one of <see cref="Eval"/> and a nonzero fraction may be set.
    /// </summary>
    public double EvalFraction { get; init; }

    /// <summary>Key <c>data.format</c>. Default <see cref="DataFormat.Auto"/>.</summary>
    public DataFormat Format { get; init; } = DataFormat.Auto;

    /// <summary>Maximum sequence length in tokens; longer examples are truncated. Key <c>data.max_length</c>, default 512.</summary>
    public int MaxLength { get; init; } = 512;

    /// <summary>
    /// Whether to pack examples into full-length sequences. Key <c>data.packing</c>. The default, null, means
    /// the objective's default; see <see cref="Recipe.UsesPacking"/>.
    /// </summary>
    public bool? Packing { get; init; }

    /// <summary>
    /// Whether only the last assistant turn of a chat record carries loss; earlier turns are then context.
    /// Key <c>data.mask_history</c>, default false (every assistant turn is trained).
    /// </summary>
    public bool MaskHistory { get; init; }

    /// <summary>
    /// Record field with the text to classify (objective classify). Key <c>data.text_field</c>, default <c>text</c>;
    /// with the default, records without <c>text</c> fall back to <c>verse_text</c> and then <c>sentence</c>.
    /// </summary>
    public string TextField { get; init; } = "text";

    /// <summary>Record field with the class label, a string or a number (objective classify). Key <c>data.label_field</c>, default <c>label</c>.</summary>
    public string LabelField { get; init; } = "label";
}
