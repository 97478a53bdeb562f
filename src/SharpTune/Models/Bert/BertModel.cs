using Microsoft.Extensions.Logging;
using SharpTune.Models.Safetensors;
using SharpTune.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models.Bert;

/// <summary>How <see cref="BertModel.PooledFeatures"/> reduces a sequence to one vector.</summary>
public enum EncoderPooling
{
    /// <summary>The pooler output <c>tanh(dense(h_[CLS]))</c>; falls back to <see cref="Cls"/> without a pooler.</summary>
    Pooler,
    /// <summary>The last hidden state at position 0 ([CLS]).</summary>
    Cls,
    /// <summary>The mean of the last hidden states over real tokens (attention mask 1).</summary>
    Mean,
}

/// <summary>The outputs of a BERT forward pass.</summary>
/// <param name="LastHiddenState"><c>[batch, seq, hidden]</c>.</param>
/// <param name="PoolerOutput"><c>[batch, hidden]</c>, or null when the checkpoint has no pooler.</param>
public sealed record BertOutput(Tensor LastHiddenState, Tensor? PoolerOutput) : IDisposable
{
    public void Dispose()
    {
        LastHiddenState.Dispose();
        PoolerOutput?.Dispose();
    }
}

/// <summary>
/// A BERT encoder backbone with Hugging Face parameter names (<c>embeddings.word_embeddings.weight</c>,
/// <c>encoder.layer.0.attention.self.query.weight</c>, <c>pooler.dense.weight</c>). Loads bare <c>BertModel</c>
/// checkpoints and task checkpoints whose names carry a <c>bert.</c> prefix; their heads are skipped.
/// </summary>
public sealed class BertModel : nn.Module
{
    public BertEmbeddings embeddings;
    public BertEncoder encoder;
    /// <summary>The pooler, or null for checkpoints saved without one (<c>add_pooling_layer=False</c>).</summary>
    public BertPooler? pooler;

    public BertConfig Config { get; }

    public BertModel(BertConfig config, ScalarType dtype = ScalarType.Float32, bool withPooler = true) : base(nameof(BertModel))
    {
        TorchRuntime.EnsureLoaded();
        Config = config;
        embeddings = new BertEmbeddings(config, dtype);
        encoder = new BertEncoder(config, dtype);
        if (withPooler)
            pooler = new BertPooler(config, dtype);
        RegisterComponents();
    }

    /// <summary>Reads config.json and the weights in <paramref name="modelDir"/>.</summary>
    public static BertModel Load(string modelDir, ScalarType dtype, Device device, ILogger? logger = null)
    {
        var config = BertConfig.Load(modelDir);
        using var checkpoint = SafetensorsCheckpoint.Open(modelDir);
        // Task checkpoints (BertForSequenceClassification, ...) store the backbone under "bert.".
        string prefix = checkpoint.Contains("bert.embeddings.word_embeddings.weight") ? "bert." : "";
        bool withPooler = checkpoint.Contains(prefix + "pooler.dense.weight");
        var model = new BertModel(config, dtype, withPooler);
        WeightLoader.Load(model, checkpoint, logger, name => prefix + name);
        if (device.type != DeviceType.CPU)
            model.to(device);
        model.eval();
        return model;
    }

    /// <summary>
    /// Encodes <paramref name="inputIds"/> <c>[batch, seq]</c>. <paramref name="attentionMask"/> (1 = real token,
    /// 0 = padding) defaults to all ones, <paramref name="tokenTypeIds"/> to zeros. Hidden states at padded
    /// positions are computed but meaningless.
    /// </summary>
    public BertOutput Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null)
    {
        using var scope = NewDisposeScope();
        tokenTypeIds ??= zeros_like(inputIds);
        // Padded keys get no weight; this matches adding finfo.min to their scores as transformers does.
        var keyMask = attentionMask is null
            ? ones(inputIds.shape[0], 1, 1, inputIds.shape[1], dtype: ScalarType.Bool, device: inputIds.device)
            : attentionMask.ne(0).unsqueeze(1).unsqueeze(1);                                     // [b, 1, 1, seq]

        var hidden = embeddings.Forward(inputIds, tokenTypeIds);                               // [b, s, hidden]
        foreach (var layer in encoder.layer)
            hidden = layer.Forward(hidden, keyMask);
        var pooled = pooler?.Forward(hidden);
        return new BertOutput(hidden.MoveToOuterDisposeScope(), pooled?.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Returns one feature vector per sequence, <c>[batch, hidden]</c>, for a classification head: the pooler
    /// output, the [CLS] hidden state, or the mean over tokens whose <paramref name="attentionMask"/> is 1.
    /// </summary>
    public Tensor PooledFeatures(Tensor inputIds, Tensor attentionMask, EncoderPooling pooling = EncoderPooling.Pooler,
        Tensor? tokenTypeIds = null)
    {
        using var scope = NewDisposeScope();
        using var output = Forward(inputIds, attentionMask, tokenTypeIds);
        Tensor features;
        if (pooling == EncoderPooling.Mean)
        {
            var weights = attentionMask.to(output.LastHiddenState.dtype).unsqueeze(-1);        // [b, s, 1]
            features = (output.LastHiddenState * weights).sum(1) / weights.sum(1).clamp_min(1.0);
        }
        else if (pooling == EncoderPooling.Pooler && output.PoolerOutput is not null)
            features = output.PoolerOutput.clone();
        else
            features = output.LastHiddenState.select(1, 0).clone();
        return features.MoveToOuterDisposeScope();
    }
}

/// <summary>The stack of encoder blocks (<c>encoder.layer.N</c>).</summary>
public sealed class BertEncoder : nn.Module
{
    public ModuleList<BertLayer> layer;

    public BertEncoder(BertConfig config, ScalarType dtype) : base(nameof(BertEncoder))
    {
        layer = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new BertLayer(config, dtype)).ToArray());
        RegisterComponents();
    }
}
