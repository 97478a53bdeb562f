using SharpTune.Models.Llama;
using SharpTune.Tokenization;

namespace SharpTune.Generation;

/// <summary>Text in, text out: encodes a prompt, generates, and decodes only the new part.</summary>
public static class TextCompletion
{
    /// <summary>Prompt ids as training saw them: BOS first when the tokenizer adds one, then the text.</summary>
    public static List<long> EncodePrompt(HfTokenizer tokenizer, string prompt)
    {
        var ids = new List<long>();
        if (tokenizer.AddBos && tokenizer.BosId is long bos)
            ids.Add(bos);
        ids.AddRange(tokenizer.Encode(prompt));
        return ids;
    }

    /// <summary>
    /// Returns the completion text. It is decoded as decode(prompt + new) minus decode(prompt), because decoders
    /// such as Llama's strip a leading space from a sequence, which would eat the completion's first space.
    /// </summary>
    public static (string Text, IReadOnlyList<long> Ids) Complete(LlamaForCausalLM model, HfTokenizer tokenizer, string prompt, GenerationOptions options)
    {
        var promptIds = EncodePrompt(tokenizer, prompt);
        if (options.StopIds.Count == 0)
            options = options with { StopIds = tokenizer.StopIds };
        var generated = TextGenerator.Generate(model, promptIds, options);
        return (Decode(tokenizer, promptIds, generated), generated);
    }

    /// <summary>Decodes the ids generated after <paramref name="promptIds"/> as decode(prompt + new) minus decode(prompt).</summary>
    public static string Decode(HfTokenizer tokenizer, IReadOnlyList<long> promptIds, IReadOnlyList<long> generated)
    {
        var promptText = tokenizer.Decode(promptIds);
        var fullText = tokenizer.Decode(promptIds.Concat(generated));
        return fullText.StartsWith(promptText, StringComparison.Ordinal)
            ? fullText[promptText.Length..]
            : tokenizer.Decode(generated);
    }
}
