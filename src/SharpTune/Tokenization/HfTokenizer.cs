using System.Text.Json.Nodes;
using Tokenizers.DotNet;

namespace SharpTune.Tokenization;

/// <summary>
/// A Hugging Face tokenizer loaded from a model directory (<c>tokenizer.json</c>, <c>tokenizer_config.json</c>,
/// <c>config.json</c> and, when present, <c>generation_config.json</c>).
/// </summary>
/// <remarks>
/// <see cref="Encode"/> never adds special tokens, because the data builders place BOS and EOS themselves.
/// To get that, the tokenizer is built from a copy of tokenizer.json whose <c>post_processor</c> is removed.
/// </remarks>
public sealed class HfTokenizer : IDisposable
{
    readonly Tokenizer _tokenizer;
    readonly TokenizerVocabulary _vocabulary;

    /// <summary>Beginning-of-sequence token id, or null when the model has none.</summary>
    public long? BosId { get; }

    /// <summary>End-of-sequence token id, or null when the model has none.</summary>
    public long? EosId { get; }

    /// <summary>Padding token id, or null when the model defines none.</summary>
    public long? PadId { get; }

    /// <summary>Ids that end generation: <see cref="EosId"/> first, then generation_config.json's eos_token_id list.</summary>
    public IReadOnlyList<long> StopIds { get; }

    /// <summary>Whether sequences start with BOS (tokenizer_config add_bos_token; defaults to true when a BOS exists).</summary>
    public bool AddBos { get; }

    /// <summary>Whether the tokenizer itself appends EOS to encoded text (tokenizer_config add_eos_token; default false).</summary>
    public bool AddEos { get; }

    /// <summary>tokenizer_config model_max_length in tokens, or null when the model sets no limit.</summary>
    public int? ModelMaxLength { get; }

    /// <summary>Highest token id in tokenizer.json (vocabulary and added tokens) plus one.</summary>
    public int VocabSize => _vocabulary.Size;

    HfTokenizer(string directory)
    {
        var tokenizerPath = Path.Combine(directory, "tokenizer.json");
        var tokenizerJson = TokenizerJsonFiles.ReadObjectOrNull(tokenizerPath)
            ?? throw SharpTuneInputException.At(tokenizerPath, null, null,
                "tokenizer.json not found; the model directory must contain the Hugging Face tokenizer.json");
        _vocabulary = new TokenizerVocabulary(tokenizerJson, tokenizerPath);
        _tokenizer = CreateWithoutPostProcessor(tokenizerJson, tokenizerPath);

        var configPath = Path.Combine(directory, "tokenizer_config.json");
        var modelConfigPath = Path.Combine(directory, "config.json");
        var generationConfigPath = Path.Combine(directory, "generation_config.json");
        var config = TokenizerJsonFiles.ReadObjectOrNull(configPath) ?? new JsonObject();
        var modelConfig = TokenizerJsonFiles.ReadObjectOrNull(modelConfigPath) ?? new JsonObject();
        var generationConfig = TokenizerJsonFiles.ReadObjectOrNull(generationConfigPath) ?? new JsonObject();

        BosId = ResolveSpecialId(config, configPath, "bos_token", modelConfig, modelConfigPath, "bos_token_id");
        EosId = ResolveSpecialId(config, configPath, "eos_token", modelConfig, modelConfigPath, "eos_token_id");
        PadId = ResolveSpecialId(config, configPath, "pad_token", modelConfig, modelConfigPath, "pad_token_id");
        AddBos = BosId is not null && (TokenizerJsonFiles.ReadBool(config, "add_bos_token", configPath) ?? true);
        AddEos = EosId is not null && (TokenizerJsonFiles.ReadBool(config, "add_eos_token", configPath) ?? false);
        ModelMaxLength = TokenizerJsonFiles.ReadMaxLength(config, "model_max_length", configPath);

        var stopIds = new List<long>();
        if (EosId is long eos)
            stopIds.Add(eos);
        stopIds.AddRange(TokenizerJsonFiles.ReadIds(generationConfig, "eos_token_id", generationConfigPath));
        StopIds = stopIds.Distinct().ToList();
    }

    /// <summary>Loads the tokenizer of the Hugging Face model directory <paramref name="directory"/>.</summary>
    /// <exception cref="SharpTuneInputException">tokenizer.json is missing or invalid, or a special token is unknown.</exception>
    public static HfTokenizer Load(string directory) => new(directory);

    /// <summary>Encodes text to token ids without special tokens.</summary>
    public IReadOnlyList<long> Encode(string text)
    {
        var ids = _tokenizer.Encode(text);
        var result = new long[ids.Length];
        for (var i = 0; i < ids.Length; i++)
            result[i] = ids[i];
        return result;
    }

    /// <summary>Decodes token ids to text, skipping special tokens.</summary>
    public string Decode(IEnumerable<long> ids)
    {
        var raw = ids.Select(id => id is >= 0 and <= uint.MaxValue
            ? (uint)id
            : throw new ArgumentOutOfRangeException(nameof(ids), id, "token ids must be non-negative")).ToArray();
        return _tokenizer.Decode(raw);
    }

    /// <summary>Looks up a token string (as written in tokenizer.json, e.g. <c>"▁time"</c> or <c>"&lt;/s&gt;"</c>).</summary>
    public long? TokenToId(string content) => _vocabulary.IdOf(content);

    /// <summary>The text of special token <paramref name="id"/> (e.g. <c>&lt;/s&gt;</c>), which <see cref="Decode"/> skips; null for other ids.</summary>
    public string? SpecialTokenText(long id) => _vocabulary.SpecialContentOf(id);

    public void Dispose() => _tokenizer.Dispose();

    static Tokenizer CreateWithoutPostProcessor(JsonObject tokenizerJson, string tokenizerPath)
    {
        // The native tokenizer reads only from a file, so the edited copy goes to a temp file removed right after.
        tokenizerJson["post_processor"] = null;
        var tempPath = Path.Combine(Path.GetTempPath(), $"sharptune-tokenizer-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(tempPath, tokenizerJson.ToJsonString());
            return new Tokenizer(tempPath);
        }
        catch (TokenizerException ex)
        {
            throw new SharpTuneInputException(
                $"{tokenizerPath}: Hugging Face tokenizers rejected the file ({ex.Message}); " +
                "use a tokenizer.json saved by a recent version of the tokenizers library", ex);
        }
        finally
        {
            File.Delete(tempPath);
        }
    }

    /// <summary>
    /// Resolves a special token: tokenizer_config's token string looked up in tokenizer.json, otherwise
    /// config.json's id (the first one when it is a list). An explicit null in tokenizer_config means no token:
    /// Qwen2.5, for example, writes <c>"bos_token": null</c> there although its config.json names a bos_token_id.
    /// </summary>
    long? ResolveSpecialId(JsonObject config, string configPath, string tokenKey,
        JsonObject modelConfig, string modelConfigPath, string idKey)
    {
        if (config.ContainsKey(tokenKey) && config[tokenKey] is null)
            return null;

        var content = TokenizerJsonFiles.ReadTokenContent(config, tokenKey, configPath);
        if (content is not null)
        {
            return _vocabulary.IdOf(content)
                ?? throw SharpTuneInputException.At(configPath, null, tokenKey,
                    $"token \"{content}\" is not in tokenizer.json's vocabulary or added_tokens; " +
                    "fix the token string or use the tokenizer files from the same model release");
        }

        var ids = TokenizerJsonFiles.ReadIds(modelConfig, idKey, modelConfigPath);
        return ids.Count > 0 ? ids[0] : null;
    }
}
