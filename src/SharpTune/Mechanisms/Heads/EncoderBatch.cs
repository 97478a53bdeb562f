using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Heads;

/// <summary>Right-pads token id sequences into an encoder batch.</summary>
public static class EncoderBatch
{
    /// <summary>Returns input ids <c>[batch, max_len]</c> padded with <paramref name="padId"/> and the attention mask (1 = real token).</summary>
    public static (Tensor InputIds, Tensor AttentionMask) Pad(IReadOnlyList<long[]> sequences, long padId, Device device)
    {
        int length = sequences.Max(s => s.Length);
        var ids = new long[sequences.Count * length];
        var mask = new long[sequences.Count * length];
        Array.Fill(ids, padId);
        for (int row = 0; row < sequences.Count; row++)
        {
            sequences[row].CopyTo(ids, row * length);
            Array.Fill(mask, 1L, row * length, sequences[row].Length);
        }
        return (tensor(ids, device: device).view(sequences.Count, length),
                tensor(mask, device: device).view(sequences.Count, length));
    }
}
