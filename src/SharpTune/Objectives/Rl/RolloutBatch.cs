using SharpTune.Models.Llama;
using static TorchSharp.torch;

namespace SharpTune.Objectives.Rl;

/// <summary>
/// Sampled responses laid out for one forward pass: each row is its prompt, left-padded to
/// <see cref="PromptWidth"/>, then its response, right-padded to <c>T</c> tokens, so every response starts in the
/// same column. Tensors are int64 on the CPU except <see cref="Mask"/>.
/// </summary>
/// <param name="InputIds"><c>[n, P + T]</c>.</param>
/// <param name="PositionIds"><c>[n, P + T]</c>, 0 at each row's first real token.</param>
/// <param name="SegmentIds"><c>[n, P + T]</c>, 1 on real tokens and 0 on padding, so no token attends to a pad.</param>
/// <param name="PromptWidth">P, the column where every response starts.</param>
/// <param name="ResponseIds"><c>[n, T]</c>, the sampled tokens (with EOS when the response ended on its own).</param>
/// <param name="Mask"><c>[n, T]</c> float32, 1 on response tokens.</param>
/// <param name="ResponseLengths">Tokens in each response.</param>
/// <param name="Prompts">Prompt text of each row.</param>
/// <param name="Responses">Decoded response text of each row, without the EOS.</param>
public sealed record RolloutBatch(Tensor InputIds, Tensor PositionIds, Tensor SegmentIds, int PromptWidth, Tensor ResponseIds, Tensor Mask,
    IReadOnlyList<int> ResponseLengths, IReadOnlyList<string> Prompts, IReadOnlyList<string> Responses) : IDisposable
{
    public int Count => ResponseLengths.Count;

    /// <summary>Copies the rows at <paramref name="rows"/> into a new batch without their texts.</summary>
    public RolloutBatch Select(IReadOnlyList<int> rows)
    {
        using var index = tensor(rows.Select(r => (long)r).ToArray());
        return new RolloutBatch(InputIds.index_select(0, index), PositionIds.index_select(0, index), SegmentIds.index_select(0, index),
            PromptWidth, ResponseIds.index_select(0, index), Mask.index_select(0, index),
            rows.Select(r => ResponseLengths[r]).ToArray(), [], []);
    }

    /// <summary>
    /// Returns where each token sits relative to its row's prompt, on <paramref name="device"/>: the query is the
    /// prompt, so ReFT edits the same query tokens while sampling, in the policy's forward pass and in the reference's.
    /// </summary>
    public PromptPositions PromptPositions(Device device)
    {
        using var scope = NewDisposeScope();
        var real = SegmentIds.ne(0);                                                              // [n, P + T]
        var column = arange(InputIds.shape[1], dtype: ScalarType.Int64).unsqueeze(0);             // [1, P + T]
        var prompt = real & column.lt(PromptWidth);
        var response = real & column.ge(PromptWidth);
        var promptLength = prompt.to(ScalarType.Int64).sum(1, keepdim: true);                    // [n, 1]
        var fromStart = column - (PromptWidth - promptLength);
        var none = full_like(fromStart, -1);
        var positions = new PromptPositions(
            where(prompt, fromStart, none).to(device).MoveToOuterDisposeScope(),
            where(prompt, promptLength - 1 - fromStart, none).to(device).MoveToOuterDisposeScope(),
            where(response, column - PromptWidth, none).to(device).MoveToOuterDisposeScope());
        return positions;
    }

    /// <summary>Lays out prompt and response ids, with <paramref name="padId"/> in the padding.</summary>
    public static RolloutBatch Create(IReadOnlyList<IReadOnlyList<long>> promptIds, IReadOnlyList<IReadOnlyList<long>> responseIds,
        IReadOnlyList<string> prompts, IReadOnlyList<string> responses, long padId)
    {
        int n = promptIds.Count;
        int width = promptIds.Max(p => p.Count);
        int responseWidth = Math.Max(1, responseIds.Max(r => r.Count));
        int total = width + responseWidth;
        var ids = new long[n * total];
        var positions = new long[n * total];
        var segments = new long[n * total];
        var response = new long[n * responseWidth];
        var mask = new float[n * responseWidth];
        Array.Fill(ids, padId);
        Array.Fill(response, padId);
        for (int i = 0; i < n; i++)
        {
            var sequence = promptIds[i].Concat(responseIds[i]).ToArray();
            int offset = width - promptIds[i].Count;
            for (int j = 0; j < sequence.Length; j++)
            {
                ids[i * total + offset + j] = sequence[j];
                positions[i * total + offset + j] = j;
                segments[i * total + offset + j] = 1;
            }
            for (int t = 0; t < responseIds[i].Count; t++)
            {
                response[i * responseWidth + t] = responseIds[i][t];
                mask[i * responseWidth + t] = 1;
            }
        }
        return new RolloutBatch(tensor(ids, [n, total]), tensor(positions, [n, total]), tensor(segments, [n, total]), width,
            tensor(response, [n, responseWidth]), tensor(mask, [n, responseWidth]),
            responseIds.Select(r => r.Count).ToArray(), prompts, responses);
    }

    public void Dispose()
    {
        InputIds.Dispose();
        PositionIds.Dispose();
        SegmentIds.Dispose();
        ResponseIds.Dispose();
        Mask.Dispose();
    }
}
