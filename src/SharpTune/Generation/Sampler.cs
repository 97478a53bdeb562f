using static TorchSharp.torch;

namespace SharpTune.Generation;

/// <summary>Picks the next token from last-position logits <c>[vocab]</c>.</summary>
public static class Sampler
{
    public static long Next(Tensor logits, GenerationOptions options, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var scores = logits.to(ScalarType.Float32);
        if (options.Temperature <= 0)
            return scores.argmax().item<long>();

        scores = scores / options.Temperature;
        if (options.TopK > 0 && options.TopK < scores.shape[0])
        {
            var kth = scores.topk(options.TopK).values[-1];
            scores = scores.masked_fill(scores.lt(kth), double.NegativeInfinity);
        }
        if (options.TopP < 1.0)
        {
            var (sorted, order) = scores.sort(descending: true);
            var cumulative = sorted.softmax(0).cumsum(0);
            // Drop a token when the tokens before it already reach top_p; the first token always stays.
            var drop = (cumulative - sorted.softmax(0)).ge(options.TopP);
            var dropInOriginalOrder = zeros_like(drop).scatter(0, order, drop);
            scores = scores.masked_fill(dropInOriginalOrder, double.NegativeInfinity);
        }
        var probabilities = scores.softmax(0);
        return multinomial(probabilities, 1, generator: generator).item<long>();
    }
}
