using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Data;

/// <summary>Which end of a row the collator pads.</summary>
public enum PaddingSide
{
    Right,
    Left,
}

/// <summary>
/// Stacks tokenized examples into a padded <see cref="Batch"/>, right-padded unless asked otherwise. Padding
/// positions get the pad id as input, <see cref="Batch.IgnoreIndex"/> as label, position 0 and segment 0.
/// </summary>
public sealed class Collator
{
    /// <summary>Input id written at padding positions; padding is never a target, so any valid id works.</summary>
    public long PadId { get; }

    public Collator(long padId) => PadId = padId;

    /// <summary>Creates a collator padding with the tokenizer's pad id, else its EOS id, else 0.</summary>
    public static Collator For(HfTokenizer tokenizer) => new(tokenizer.PadId ?? tokenizer.EosId ?? 0);

    /// <summary>
    /// Collates the examples, padding to the longest one or to <paramref name="padToLength"/> when given. Left padding
    /// puts the pads first; a row's positions still count from 0 at its first real token.
    /// </summary>
    public Batch Collate(IReadOnlyList<TokenizedExample> examples, int? padToLength = null, PaddingSide side = PaddingSide.Right)
    {
        if (examples.Count == 0)
            throw new ArgumentException("a batch needs at least one example", nameof(examples));
        var longest = examples.Max(example => example.Length);
        var length = padToLength ?? longest;
        if (length < longest)
            throw new ArgumentOutOfRangeException(nameof(padToLength), padToLength, $"must be at least the max example length, {longest} tokens");

        var count = examples.Count;
        var inputIds = new long[count * length];
        var labels = new long[count * length];
        var positions = new long[count * length];
        var segments = new long[count * length];
        Array.Fill(inputIds, PadId);
        Array.Fill(labels, Batch.IgnoreIndex);

        for (var row = 0; row < count; row++)
        {
            var example = examples[row];
            var start = row * length + (side == PaddingSide.Left ? length - example.Length : 0);
            for (var i = 0; i < example.Length; i++)
            {
                inputIds[start + i] = example.InputIds[i];
                labels[start + i] = example.Labels[i];
                positions[start + i] = example.PositionIds?[i] ?? i;
                segments[start + i] = example.SegmentIds?[i] ?? 1;
            }
        }

        long[] shape = [count, length];
        return new Batch(
            tensor(inputIds, shape, ScalarType.Int64),
            tensor(labels, shape, ScalarType.Int64),
            tensor(positions, shape, ScalarType.Int64),
            tensor(segments, shape, ScalarType.Int64));
    }
}
