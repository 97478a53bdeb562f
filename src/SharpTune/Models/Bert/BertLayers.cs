using SharpTune.Models.Llama;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpTune.Models.Bert;

/// <summary>Word, absolute position and token-type embeddings, summed and layer-normed.</summary>
public sealed class BertEmbeddings : Module
{
    public Embedding word_embeddings;
    public Embedding position_embeddings;
    public Embedding token_type_embeddings;
    public LayerNorm LayerNorm;

    public BertEmbeddings(BertConfig config, ScalarType dtype) : base(nameof(BertEmbeddings))
    {
        word_embeddings = Embedding(config.VocabSize, config.HiddenSize, dtype: dtype);
        position_embeddings = Embedding(config.MaxPositionEmbeddings, config.HiddenSize, dtype: dtype);
        token_type_embeddings = Embedding(config.TypeVocabSize, config.HiddenSize, dtype: dtype);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>Embeds <c>[batch, seq]</c> ids at positions 0..seq-1; returns <c>[batch, seq, hidden]</c>.</summary>
    public Tensor Forward(Tensor inputIds, Tensor tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        var positions = arange(inputIds.shape[1], device: inputIds.device).unsqueeze(0);   // [1, seq]
        var sum = word_embeddings.forward(inputIds) + token_type_embeddings.forward(tokenTypeIds) + position_embeddings.forward(positions);
        return LayerNorm.forward(sum).MoveToOuterDisposeScope();
    }
}

/// <summary>BERT's self-attention projections (<c>query</c>, <c>key</c>, <c>value</c>), swappable for LoRA.</summary>
public sealed class BertSelfAttention : ProjectionHost
{
    readonly int heads;

    public Module<Tensor, Tensor> query;
    public Module<Tensor, Tensor> key;
    public Module<Tensor, Tensor> value;

    public BertSelfAttention(BertConfig config, ScalarType dtype) : base(nameof(BertSelfAttention))
    {
        heads = config.NumAttentionHeads;
        query = Linear(config.HiddenSize, config.HiddenSize, dtype: dtype);
        key = Linear(config.HiddenSize, config.HiddenSize, dtype: dtype);
        value = Linear(config.HiddenSize, config.HiddenSize, dtype: dtype);
        RegisterComponents();
    }

    public override IReadOnlyList<string> ProjectionNames => ["query", "key", "value"];

    public override Module<Tensor, Tensor> GetProjection(string name) => name switch
    {
        "query" => query,
        "key" => key,
        "value" => value,
        _ => throw new ArgumentException(name),
    };

    protected override void SetProjectionField(string name, Module<Tensor, Tensor> module)
    {
        switch (name)
        {
            case "query": query = module; break;
            case "key": key = module; break;
            case "value": value = module; break;
        }
    }

    /// <summary>
    /// Attends <paramref name="x"/> <c>[batch, seq, hidden]</c> bidirectionally; <paramref name="keyMask"/>
    /// <c>[batch, 1, 1, seq]</c> is true at real tokens. Returns the merged heads <c>[batch, seq, hidden]</c>.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor keyMask)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], seq = x.shape[1], hidden = x.shape[2];
        long headDim = hidden / heads;
        Tensor Split(Tensor t) => t.reshape(batch, seq, heads, headDim).transpose(1, 2);        // [b, heads, s, d]
        var attended = functional.scaled_dot_product_attention(
            Split(query.forward(x)), Split(key.forward(x)), Split(value.forward(x)), keyMask, 0.0, false);
        return attended.transpose(1, 2).reshape(batch, seq, hidden).MoveToOuterDisposeScope();
    }
}

/// <summary>A dense projection followed by a residual add and LayerNorm: <c>LayerNorm(dense(x) + residual)</c>.</summary>
public sealed class BertDenseResidual : Module
{
    public Linear dense;
    public LayerNorm LayerNorm;

    public BertDenseResidual(int inputSize, int outputSize, double eps, ScalarType dtype) : base(nameof(BertDenseResidual))
    {
        dense = Linear(inputSize, outputSize, dtype: dtype);
        LayerNorm = nn.LayerNorm(outputSize, eps, dtype: dtype);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor residual)
    {
        using var scope = NewDisposeScope();
        return LayerNorm.forward(dense.forward(x) + residual).MoveToOuterDisposeScope();
    }
}

/// <summary>Self-attention with its output block (<c>attention.self</c>, <c>attention.output</c>).</summary>
public sealed class BertAttention : Module
{
    public BertSelfAttention self_attention;
    public BertDenseResidual output;

    public BertAttention(BertConfig config, ScalarType dtype) : base(nameof(BertAttention))
    {
        self_attention = new BertSelfAttention(config, dtype);
        output = new BertDenseResidual(config.HiddenSize, config.HiddenSize, config.LayerNormEps, dtype);
        register_module("self", self_attention); // "self" is the Hugging Face name and a C# keyword
        register_module("output", output);
    }

    public Tensor Forward(Tensor x, Tensor keyMask)
    {
        using var scope = NewDisposeScope();
        return output.Forward(self_attention.Forward(x, keyMask), x).MoveToOuterDisposeScope();
    }
}

/// <summary>One post-norm encoder block: attention, then <c>LayerNorm(dense(act(intermediate(h))) + h)</c>.</summary>
public sealed class BertLayer : Module
{
    readonly string activation;

    public BertAttention attention;
    public BertIntermediate intermediate;
    public BertDenseResidual output;

    public BertLayer(BertConfig config, ScalarType dtype) : base(nameof(BertLayer))
    {
        activation = config.HiddenAct;
        attention = new BertAttention(config, dtype);
        intermediate = new BertIntermediate(config, dtype);
        output = new BertDenseResidual(config.IntermediateSize, config.HiddenSize, config.LayerNormEps, dtype);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor keyMask)
    {
        using var scope = NewDisposeScope();
        var attended = attention.Forward(x, keyMask);
        var inner = ActivationFunctions.Apply(activation, intermediate.dense.forward(attended));
        return output.Forward(inner, attended).MoveToOuterDisposeScope();
    }
}

/// <summary>The first MLP projection (<c>intermediate.dense</c>).</summary>
public sealed class BertIntermediate : Module
{
    public Linear dense;

    public BertIntermediate(BertConfig config, ScalarType dtype) : base(nameof(BertIntermediate))
    {
        dense = Linear(config.HiddenSize, config.IntermediateSize, dtype: dtype);
        RegisterComponents();
    }
}

/// <summary>The pooler: <c>tanh(dense(h[:, 0]))</c>, the [CLS] feature BERT's next-sentence head was trained on.</summary>
public sealed class BertPooler : Module
{
    public Linear dense;

    public BertPooler(BertConfig config, ScalarType dtype) : base(nameof(BertPooler))
    {
        dense = Linear(config.HiddenSize, config.HiddenSize, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>Maps hidden states <c>[batch, seq, hidden]</c> to <c>[batch, hidden]</c>.</summary>
    public Tensor Forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return dense.forward(hidden.select(1, 0)).tanh().MoveToOuterDisposeScope();
    }
}
