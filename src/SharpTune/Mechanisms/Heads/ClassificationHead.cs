using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Heads;

/// <summary>
/// A classifier on pooled hidden states: <c>[batch, hidden]</c> to class logits <c>[batch, classes]</c>.
/// Its linear layers are <c>layers.0</c>, <c>layers.1</c>, ...; the activation between them depends on the kind.
/// </summary>
public sealed class ClassificationHead : nn.Module<Tensor, Tensor>
{
    public ModuleList<Linear> layers;

    public HeadOptions Options { get; }

    /// <summary>Class labels in class-id order, as the training data spells them.</summary>
    public IReadOnlyList<string> Labels { get; }

    public ClassificationHead(HeadOptions options, int modelHidden, IReadOnlyList<string> labels, ScalarType dtype, Device device)
        : base(nameof(ClassificationHead))
    {
        if (labels.Count < 2)
            throw new SharpTuneInputException($"classification needs at least 2 classes, but the training data has {labels.Count}; check data.label_field");
        if (options.Kind == HeadKind.MlpHead && options.NumLayers is < 2 or > 3)
            throw new SharpTuneInputException($"head.num_layers: {options.NumLayers} is out of range; mlp_head has 2 or 3 layers");
        Options = options;
        Labels = labels;
        int width = options.HiddenSize ?? modelHidden;
        var sizes = options.Kind switch
        {
            HeadKind.LinearProbe => new[] { modelHidden, labels.Count },
            HeadKind.ProjectionHead => [modelHidden, width, labels.Count],
            _ => [modelHidden, .. Enumerable.Repeat(width, options.NumLayers - 1), labels.Count],
        };
        layers = nn.ModuleList(sizes.Zip(sizes.Skip(1))
            .Select(p => nn.Linear(p.First, p.Second, hasBias: true, dtype: dtype, device: device)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor pooled)
    {
        using var scope = NewDisposeScope();
        var x = pooled;
        for (int i = 0; i < layers.Count; i++)
        {
            x = layers[i].forward(x);
            if (i < layers.Count - 1)
                x = Options.Kind == HeadKind.ProjectionHead ? x.tanh() : nn.functional.gelu(x);
        }
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Pools hidden states <c>[batch, seq, hidden]</c> to <c>[batch, hidden]</c> over the real tokens, where
    /// <paramref name="realTokens"/> <c>[batch, seq]</c> is true; works for left and right padding alike.
    /// </summary>
    public static Tensor Pool(Tensor hidden, Tensor realTokens, HeadPooling pooling)
    {
        using var scope = NewDisposeScope();
        long seq = hidden.shape[1];
        var mask = realTokens.to(ScalarType.Int64);                                        // [b, s]
        Tensor pooled;
        if (pooling == HeadPooling.Mean)
        {
            var weights = mask.to(hidden.dtype).unsqueeze(-1);                             // [b, s, 1]
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp_min(1);
        }
        else
        {
            // Position ranks make argmax pick the last real token, or (with reversed ranks) the first.
            var ranks = arange(1, seq + 1, device: hidden.device).unsqueeze(0);           // [1, s]
            if (pooling == HeadPooling.First)
                ranks = seq + 1 - ranks;
            var index = (mask * ranks).argmax(1);                                          // [b]
            var gather = index.view(-1, 1, 1).expand(-1, 1, hidden.shape[2]);              // [b, 1, hidden]
            pooled = hidden.gather(1, gather).squeeze(1);
        }
        return pooled.MoveToOuterDisposeScope();
    }
}
