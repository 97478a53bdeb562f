using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SharpTune.Models;
using SharpTune.Models.Llama;
using SharpTune.Models.Safetensors;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Export;

/// <summary>
/// Writes a Llama-family model as a GGUF file that llama.cpp loads: <c>llama.*</c> hyperparameters, the tokenizer
/// under <c>tokenizer.ggml.*</c>, and the weights under llama.cpp's tensor names with q/k rows in its RoPE layout.
/// </summary>
public static class GgufExporter
{
    /// <summary>
    /// Exports <paramref name="model"/> (merge any LoRA layers first) with the tokenizer files of
    /// <paramref name="modelDir"/> to <paramref name="outputPath"/>. Norms and biases stay float32, as llama.cpp's
    /// converter keeps 1-D tensors. A matrix whose rows do not split into 32-value blocks is stored as f16 in
    /// q8_0 and q4_0 files, as the converter does.
    /// </summary>
    public static void Export(LlamaForCausalLM model, string modelDir, string outputPath, GgmlType type, ILogger? logger = null)
    {
        var config = model.Config;
        CheckArchitecture(config, modelDir);

        var writer = new GgufWriter();
        AddModelMetadata(writer, config, modelDir, type);
        AddTokenizerMetadata(writer, config, modelDir, logger);
        AddTensors(writer, model, type, logger);
        AtomicFile.Write(outputPath, writer.Write);
    }

    /// <summary>Whether the architecture of <paramref name="config"/> has a GGUF layout here (Llama and Mistral).</summary>
    public static bool Supports(ModelConfig config) => config.Architecture is "LlamaForCausalLM" or "MistralForCausalLM";

    /// <summary>Rejects a model whose architecture has no GGUF layout here, naming its config.json.</summary>
    public static void CheckArchitecture(ModelConfig config, string modelDir)
    {
        if (!Supports(config))
            throw new SharpTuneInputException(
                $"{Path.Combine(modelDir, "config.json")}: GGUF export supports LlamaForCausalLM and MistralForCausalLM, not {config.Architecture}; export with --format hf instead");
    }

    /// <summary>llama.cpp's <c>general.file_type</c> value (enum llama_ftype) for a file mostly of <paramref name="type"/>.</summary>
    public static uint FileType(GgmlType type) => type switch
    {
        GgmlType.F32 => 0,
        GgmlType.F16 => 1,
        GgmlType.Q4_0 => 2,
        GgmlType.Q8_0 => 7,
        GgmlType.BF16 => 32,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported ggml type"),
    };

    /// <summary>
    /// The type a tensor of <paramref name="shape"/> gets in a file of <paramref name="type"/>: f32 for 1-D tensors
    /// (norms, biases), f16 for a matrix whose rows do not split into 32-value blocks, else <paramref name="type"/>.
    /// </summary>
    public static GgmlType StoredType(long[] shape, GgmlType type) =>
        shape.Length == 1 ? GgmlType.F32
        : GgmlQuantizer.Fits(type, shape[^1]) ? type
        : GgmlType.F16;

    static void AddModelMetadata(GgufWriter writer, ModelConfig config, string modelDir, GgmlType type)
    {
        const string arch = "llama";
        writer.Add("general.architecture", arch);
        writer.Add("general.name", Path.GetFileName(Path.GetFullPath(modelDir).TrimEnd(Path.DirectorySeparatorChar)));
        writer.Add("general.file_type", FileType(type));
        writer.Add("general.alignment", (uint)GgufWriter.Alignment);
        writer.Add($"{arch}.vocab_size", (uint)config.VocabSize);
        writer.Add($"{arch}.context_length", (uint)config.MaxPositionEmbeddings);
        writer.Add($"{arch}.embedding_length", (uint)config.HiddenSize);
        writer.Add($"{arch}.block_count", (uint)config.NumHiddenLayers);
        writer.Add($"{arch}.feed_forward_length", (uint)config.IntermediateSize);
        writer.Add($"{arch}.attention.head_count", (uint)config.NumAttentionHeads);
        writer.Add($"{arch}.attention.head_count_kv", (uint)config.NumKeyValueHeads);
        writer.Add($"{arch}.attention.key_length", (uint)config.HeadDim);
        writer.Add($"{arch}.attention.value_length", (uint)config.HeadDim);
        writer.Add($"{arch}.attention.layer_norm_rms_epsilon", (float)config.RmsNormEps);
        writer.Add($"{arch}.rope.freq_base", (float)config.RopeTheta);
        writer.Add($"{arch}.rope.dimension_count", (uint)config.HeadDim);
        // NOTE: rope_scaling (Llama 3.1's "llama3" frequency factors, linear, YaRN) and Mistral's sliding window are
        // not exported. Models that use them run in llama.cpp with plain RoPE and full attention.
    }

    static void AddTokenizerMetadata(GgufWriter writer, ModelConfig config, string modelDir, ILogger? logger)
    {
        var vocabulary = GgufVocabulary.Load(modelDir, config.VocabSize, config.ModelType);
        writer.Add("tokenizer.ggml.model", vocabulary.Model);
        if (vocabulary.PreTokenizer is not null)
            writer.Add("tokenizer.ggml.pre", vocabulary.PreTokenizer);
        writer.Add("tokenizer.ggml.tokens", vocabulary.Tokens);
        writer.Add("tokenizer.ggml.scores", vocabulary.Scores);
        writer.Add("tokenizer.ggml.token_type", vocabulary.TokenTypes);
        if (vocabulary.Model == "gpt2")
            writer.Add("tokenizer.ggml.merges", vocabulary.Merges);
        else
            writer.Add("tokenizer.ggml.add_space_prefix", vocabulary.AddSpacePrefix);

        using var tokenizer = HfTokenizer.Load(modelDir);
        if (tokenizer.BosId is long bos)
            writer.Add("tokenizer.ggml.bos_token_id", (uint)bos);
        if (tokenizer.EosId is long eos)
            writer.Add("tokenizer.ggml.eos_token_id", (uint)eos);
        if (vocabulary.UnknownId is long unknown)
            writer.Add("tokenizer.ggml.unknown_token_id", (uint)unknown);
        if (tokenizer.PadId is long pad)
            writer.Add("tokenizer.ggml.padding_token_id", (uint)pad);
        writer.Add("tokenizer.ggml.add_bos_token", tokenizer.AddBos);
        writer.Add("tokenizer.ggml.add_eos_token", tokenizer.AddEos);

        // GGUF has one key per end-of-generation role. Stop ids beyond EOS go to end-of-turn, then end-of-message
        // (Llama 3.1 stops on <|end_of_text|>, <|eot_id|> and <|eom_id|>); llama.cpp stops on all of them.
        var extraStops = tokenizer.StopIds.Where(id => id != tokenizer.EosId).ToList();
        string[] stopKeys = ["tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"];
        for (int i = 0; i < Math.Min(extraStops.Count, stopKeys.Length); i++)
            writer.Add(stopKeys[i], (uint)extraStops[i]);
        if (extraStops.Count > stopKeys.Length)
            logger?.LogWarning("GGUF has no key for stop ids {Ids}; llama.cpp will not stop on them unless it recognises their text",
                string.Join(", ", extraStops.Skip(stopKeys.Length)));

        if (ChatTemplate(modelDir) is string template)
            writer.Add("tokenizer.chat_template", template);
    }

    /// <summary>The chat template from chat_template.jinja or tokenizer_config.json (the "default" one of a list).</summary>
    static string? ChatTemplate(string modelDir)
    {
        var jinja = Path.Combine(modelDir, "chat_template.jinja");
        if (File.Exists(jinja))
            return File.ReadAllText(jinja);
        var config = TokenizerJsonFiles.ReadObjectOrNull(Path.Combine(modelDir, "tokenizer_config.json"));
        return config?["chat_template"] switch
        {
            JsonValue value => value.GetValue<string>(),
            JsonArray named => named.OfType<JsonObject>().FirstOrDefault(t => (string?)t["name"] == "default")?["template"]?.GetValue<string>(),
            _ => null,
        };
    }

    static void AddTensors(GgufWriter writer, LlamaForCausalLM model, GgmlType type, ILogger? logger)
    {
        var config = model.Config;
        foreach (var (hfName, parameter) in model.CheckpointTensors())
        {
            var name = GgufTensorNames.Map(hfName)
                ?? throw new InvalidOperationException($"parameter '{hfName}' has no GGUF name; merge LoRA layers before exporting");
            var shape = parameter.shape;
            var tensorType = StoredType(shape, type);
            if (shape.Length > 1 && tensorType != type)
                logger?.LogInformation("{Tensor}: rows of {Columns} values do not split into blocks of {Block}; stored as f16",
                    name, shape[^1], GgmlQuantizer.BlockSize);

            int? permuteHeads = hfName.Contains(".self_attn.q_proj.") ? config.NumAttentionHeads
                : hfName.Contains(".self_attn.k_proj.") ? config.NumKeyValueHeads
                : null;
            writer.AddTensor(name, shape, tensorType, () => Encode(parameter, permuteHeads, tensorType));
        }
    }

    static byte[] Encode(Tensor parameter, int? permuteHeads, GgmlType type)
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        var values = parameter.detach().to(ScalarType.Float32, CPU);
        if (permuteHeads is int heads)
            values = RopePermutation.ToInterleaved(values, heads);
        var data = values.contiguous().data<float>().ToArray();
        return GgmlQuantizer.Encode(data, type);
    }
}
