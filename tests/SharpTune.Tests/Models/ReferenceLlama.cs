using System.Text.Json;
using SharpTune.Models.Safetensors;

namespace SharpTune.Tests.Models;

/// <summary>
/// A Llama forward pass written with plain loops over double arrays, as an independent check of the TorchSharp
/// model. It follows transformers' LlamaForCausalLM: pre-norm RMSNorm blocks, rotate-half RoPE, grouped-query
/// causal attention, a SwiGLU MLP and an output head tied to the embeddings. TorchSharp is used only to read
/// the safetensors tensors into arrays.
/// </summary>
sealed class ReferenceLlama
{
    readonly int hidden, intermediate, layers, heads, kvHeads, headDim, vocab;
    readonly double eps, theta;
    readonly Dictionary<string, double[]> weights = [];

    public ReferenceLlama(string modelDir)
    {
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(modelDir, "config.json"))))
        {
            var root = config.RootElement;
            hidden = root.GetProperty("hidden_size").GetInt32();
            intermediate = root.GetProperty("intermediate_size").GetInt32();
            layers = root.GetProperty("num_hidden_layers").GetInt32();
            heads = root.GetProperty("num_attention_heads").GetInt32();
            kvHeads = root.GetProperty("num_key_value_heads").GetInt32();
            headDim = root.GetProperty("head_dim").GetInt32();
            vocab = root.GetProperty("vocab_size").GetInt32();
            eps = root.GetProperty("rms_norm_eps").GetDouble();
            theta = root.GetProperty("rope_theta").GetDouble();
        }

        using var reader = SafetensorsReader.Open(Path.Combine(modelDir, "model.safetensors"));
        foreach (var name in reader.Names)
        {
            using var tensor = reader.GetTensor(name);
            weights[name] = tensor.data<float>().ToArray().Select(v => (double)v).ToArray();
        }
    }

    public int Heads => heads;

    public int KvHeads => kvHeads;

    /// <summary>Returns logits <c>[seq][vocab]</c> for one sequence at positions 0..seq-1.</summary>
    public double[][] Forward(IReadOnlyList<long> ids)
    {
        int seq = ids.Count;
        var embed = weights["model.embed_tokens.weight"]; // [vocab, hidden]
        var x = new double[seq][];
        for (int t = 0; t < seq; t++)
            x[t] = embed.AsSpan((int)ids[t] * hidden, hidden).ToArray();

        for (int l = 0; l < layers; l++)
        {
            string prefix = $"model.layers.{l}.";
            var attention = Attention(x, prefix);
            for (int t = 0; t < seq; t++)
                Add(x[t], attention[t]);

            for (int t = 0; t < seq; t++)
            {
                var h = RmsNorm(x[t], weights[prefix + "post_attention_layernorm.weight"]);
                var gate = MatVec(weights[prefix + "mlp.gate_proj.weight"], h, intermediate);
                var up = MatVec(weights[prefix + "mlp.up_proj.weight"], h, intermediate);
                var activated = new double[intermediate];
                for (int i = 0; i < intermediate; i++)
                    activated[i] = gate[i] / (1 + Math.Exp(-gate[i])) * up[i]; // silu(gate) * up
                Add(x[t], MatVec(weights[prefix + "mlp.down_proj.weight"], activated, hidden));
            }
        }

        var logits = new double[seq][];
        for (int t = 0; t < seq; t++)
            logits[t] = MatVec(embed, RmsNorm(x[t], weights["model.norm.weight"]), vocab); // tied head
        return logits;
    }

    double[][] Attention(double[][] x, string prefix)
    {
        int seq = x.Length;
        var q = new double[seq][];
        var k = new double[seq][];
        var v = new double[seq][];
        for (int t = 0; t < seq; t++)
        {
            var h = RmsNorm(x[t], weights[prefix + "input_layernorm.weight"]);
            q[t] = Rotate(MatVec(weights[prefix + "self_attn.q_proj.weight"], h, heads * headDim), heads, t);
            k[t] = Rotate(MatVec(weights[prefix + "self_attn.k_proj.weight"], h, kvHeads * headDim), kvHeads, t);
            v[t] = MatVec(weights[prefix + "self_attn.v_proj.weight"], h, kvHeads * headDim);
        }

        var output = new double[seq][];
        int group = heads / kvHeads; // query heads per key/value head
        for (int t = 0; t < seq; t++)
        {
            var merged = new double[heads * headDim];
            for (int head = 0; head < heads; head++)
            {
                int qOffset = head * headDim, kvOffset = head / group * headDim;
                var scores = new double[t + 1]; // causal: keys 0..t only
                double max = double.NegativeInfinity;
                for (int s = 0; s <= t; s++)
                {
                    double dot = 0;
                    for (int d = 0; d < headDim; d++)
                        dot += q[t][qOffset + d] * k[s][kvOffset + d];
                    scores[s] = dot / Math.Sqrt(headDim);
                    max = Math.Max(max, scores[s]);
                }
                double total = 0;
                for (int s = 0; s <= t; s++)
                    total += scores[s] = Math.Exp(scores[s] - max);
                for (int s = 0; s <= t; s++)
                    for (int d = 0; d < headDim; d++)
                        merged[qOffset + d] += scores[s] / total * v[s][kvOffset + d];
            }
            output[t] = MatVec(weights[prefix + "self_attn.o_proj.weight"], merged, hidden);
        }
        return output;
    }

    /// <summary>Rotate-half RoPE: dimension i pairs with i + head_dim/2 at angle position · theta^(-2i/head_dim).</summary>
    double[] Rotate(double[] vector, int headCount, int position)
    {
        var rotated = new double[vector.Length];
        int half = headDim / 2;
        for (int head = 0; head < headCount; head++)
        {
            int o = head * headDim;
            for (int i = 0; i < half; i++)
            {
                double angle = position * Math.Pow(theta, -2.0 * i / headDim);
                double cos = Math.Cos(angle), sin = Math.Sin(angle);
                double first = vector[o + i], second = vector[o + i + half];
                rotated[o + i] = first * cos - second * sin;
                rotated[o + i + half] = second * cos + first * sin;
            }
        }
        return rotated;
    }

    double[] RmsNorm(double[] x, double[] weight)
    {
        double meanSquare = x.Sum(value => value * value) / x.Length;
        double scale = 1 / Math.Sqrt(meanSquare + eps);
        return x.Select((value, i) => value * scale * weight[i]).ToArray();
    }

    /// <summary>Returns <c>W x</c> for a row-major <c>[rows, x.Length]</c> weight, as nn.Linear stores it.</summary>
    static double[] MatVec(double[] weight, double[] x, int rows)
    {
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            for (int c = 0; c < x.Length; c++)
                sum += weight[r * x.Length + c] * x[c];
            y[r] = sum;
        }
        return y;
    }

    static void Add(double[] target, double[] addend)
    {
        for (int i = 0; i < target.Length; i++)
            target[i] += addend[i];
    }
}
