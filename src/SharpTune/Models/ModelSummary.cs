using SharpTune.ChatTemplates;
using SharpTune.Models.Bert;
using SharpTune.Models.Safetensors;

namespace SharpTune.Models;

/// <summary>What <c>sharptune inspect</c> reports about a model folder, read from its files without loading weights.</summary>
/// <param name="Family">Decoder family or <c>Bert</c>.</param>
/// <param name="Architecture"><c>architectures[0]</c> from config.json.</param>
/// <param name="ParameterCount">Elements of every stored parameter tensor (a tied output head is stored once).</param>
/// <param name="ConfigDtype"><c>torch_dtype</c> from config.json.</param>
/// <param name="StoredDtypes">Dtypes of the safetensors tensors, as the header spells them (F32, BF16, ...).</param>
/// <param name="ContextWindow">Maximum positions the model was configured for.</param>
/// <param name="SlidingWindow">Sliding attention window in tokens, or null.</param>
/// <param name="RopeScaling">The <c>rope_scaling</c> type, or null.</param>
/// <param name="HasChatTemplate">Whether the folder has a chat template, which marks an instruct model.</param>
/// <param name="License">The licence from README front matter or the first line of a LICENSE file, or null.</param>
public sealed record ModelSummary(
    string Family,
    string Architecture,
    long ParameterCount,
    string ConfigDtype,
    IReadOnlyList<string> StoredDtypes,
    int ContextWindow,
    int? SlidingWindow,
    string? RopeScaling,
    bool HasChatTemplate,
    string? License)
{
    static readonly string[] LicenseFiles = ["LICENSE", "LICENSE.txt", "LICENSE.md", "LICENCE", "COPYING"];

    // Buffers that some transformers versions save but that are not parameters.
    static readonly string[] BufferSuffixes = [".attn.bias", ".attn.masked_bias", "position_ids", "rotary_emb.inv_freq"];

    /// <summary>Reads config.json, the safetensors headers, the tokenizer config and the licence of <paramref name="modelDir"/>.</summary>
    public static ModelSummary Read(string modelDir)
    {
        string family, architecture, dtype;
        int context;
        int? slidingWindow = null;
        string? ropeScaling = null;
        if (BertConfig.IsBert(modelDir))
        {
            var bert = BertConfig.Load(modelDir);
            (family, architecture, dtype, context) = ("Bert", bert.Architecture, bert.TorchDtype, bert.MaxPositionEmbeddings);
        }
        else
        {
            var config = ModelConfig.Load(modelDir);
            (family, architecture, dtype, context) = (config.Family.ToString(), config.Architecture, config.TorchDtype, config.MaxPositionEmbeddings);
            slidingWindow = config.SlidingWindow;
            ropeScaling = config.RopeScaling?.Type;
        }

        long parameters = 0;
        var dtypes = new SortedSet<string>(StringComparer.Ordinal);
        using (var checkpoint = SafetensorsCheckpoint.Open(modelDir))
        {
            foreach (var name in checkpoint.Names.Where(n => !BufferSuffixes.Any(n.EndsWith)))
            {
                var info = checkpoint.GetInfo(name);
                parameters += info.Shape.Aggregate(1L, (product, dimension) => product * dimension);
                dtypes.Add(info.Dtype);
            }
        }

        return new ModelSummary(family, architecture, parameters, dtype, dtypes.ToList(), context, slidingWindow, ropeScaling,
            ModelChatTemplate.Load(modelDir) is not null, ReadLicense(modelDir));
    }

    /// <summary>
    /// Returns the <c>license:</c> value of README.md's YAML front matter (as the Hugging Face Hub writes it), else the
    /// first non-empty line of a LICENSE file, else null.
    /// </summary>
    public static string? ReadLicense(string modelDir)
    {
        var readme = Path.Combine(modelDir, "README.md");
        if (File.Exists(readme))
        {
            var lines = File.ReadLines(readme).ToList();
            if (lines.Count > 0 && lines[0].Trim() == "---")
            {
                foreach (var line in lines.Skip(1).TakeWhile(l => l.Trim() != "---"))
                {
                    var trimmed = line.Trim();
                    if (trimmed.StartsWith("license:", StringComparison.OrdinalIgnoreCase))
                        return trimmed["license:".Length..].Trim().Trim('"', '\'');
                }
            }
        }

        foreach (var file in LicenseFiles)
        {
            var path = Path.Combine(modelDir, file);
            if (File.Exists(path))
                return File.ReadLines(path).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? file;
        }
        return null;
    }
}
