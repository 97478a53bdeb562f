namespace SharpTune.Data;

/// <summary>
/// The Stanford Alpaca prompt template in its with-input and no-input variants, as the tatsu-lab/stanford_alpaca
/// README gives it, with the response starting on the line after <c>"### Response:"</c>. Training and generation
/// both render prompts here, so inference prompts match the training text.
/// </summary>
public static class AlpacaPrompt
{
    const string WithInputPreamble =
        "Below is an instruction that describes a task, paired with an input that provides further context. " +
        "Write a response that appropriately completes the request.\n\n";

    const string NoInputPreamble =
        "Below is an instruction that describes a task. " +
        "Write a response that appropriately completes the request.\n\n";

    /// <summary>Renders the prompt; an empty <paramref name="input"/> selects the no-input variant.</summary>
    public static string Render(string instruction, string? input = null)
    {
        if (string.IsNullOrEmpty(input))
            return $"{NoInputPreamble}### Instruction:\n{instruction}\n\n### Response:\n";
        return $"{WithInputPreamble}### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n";
    }
}
