namespace SharpTune.Mechanisms.Heads;

/// <summary>Shape of a classification head on the frozen backbone's pooled hidden state.</summary>
public enum HeadKind
{
    /// <summary>One linear layer from the hidden state to the class logits.</summary>
    LinearProbe,

    /// <summary>A multilayer perceptron of <see cref="HeadOptions.NumLayers"/> linear layers with GELU between them.</summary>
    MlpHead,

    /// <summary>A dense projection to <see cref="HeadOptions.HiddenSize"/> with tanh, then the output projection, as RoBERTa's classification head.</summary>
    ProjectionHead,
}

/// <summary>How the hidden states of a sequence <c>[seq, hidden]</c> become one vector <c>[hidden]</c>.</summary>
public enum HeadPooling
{
    /// <summary>The last non-pad token, the usual choice for decoders, which see the whole text only there.</summary>
    Last,

    /// <summary>The mean over the non-pad tokens.</summary>
    Mean,

    /// <summary>The first non-pad token (the BOS token for Llama tokenizers).</summary>
    First,
}

/// <summary>How the classify loss weights each class.</summary>
public enum HeadClassWeights
{
    /// <summary>Every row counts the same, so the most frequent class dominates the loss.</summary>
    None,

    /// <summary>
    /// Class c weighs n / (classes · n_c) over the n training rows, scikit-learn's "balanced" rule, so each class
    /// contributes the same total weight. The weights average 1 over the training rows.
    /// </summary>
    Balanced,
}

/// <summary>Classification head settings. Recipe section <c>head</c>; the head's kind comes from the <c>mechanism</c> key.</summary>
public sealed record HeadOptions
{
    public HeadKind Kind { get; init; } = HeadKind.LinearProbe;

    /// <summary>Key <c>head.pooling</c>, default last.</summary>
    public HeadPooling Pooling { get; init; } = HeadPooling.Last;

    /// <summary>
    /// Width of the hidden layers of <c>mlp_head</c> and of the projection of <c>projection_head</c>; null means
    /// the model's hidden size. Key <c>head.hidden_size</c>.
    /// </summary>
    public int? HiddenSize { get; init; }

    /// <summary>Linear layers of <c>mlp_head</c>, 2 or 3. Key <c>head.num_layers</c>, default 2.</summary>
    public int NumLayers { get; init; } = 2;

    /// <summary>Class weights of the cross-entropy. Key <c>head.class_weights</c>, default none.</summary>
    public HeadClassWeights ClassWeights { get; init; } = HeadClassWeights.None;
}
