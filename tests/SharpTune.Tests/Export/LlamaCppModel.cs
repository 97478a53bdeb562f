using LLama;
using LLama.Common;
using LLama.Native;

namespace SharpTune.Tests.Export;

/// <summary>A GGUF file loaded in llama.cpp through LLamaSharp, with greedy decoding written out step by step.</summary>
public sealed class LlamaCppModel : IDisposable
{
    readonly LLamaWeights _weights;
    readonly LLamaContext _context;

    public LlamaCppModel(string ggufPath, bool flashAttention = true)
    {
        var parameters = new ModelParams(ggufPath)
        {
            ContextSize = 512, GpuLayerCount = 0, Threads = 1, BatchThreads = 1,
            FlashAttention = flashAttention,
        };
        _weights = LLamaWeights.LoadFromFile(parameters);
        _context = _weights.CreateContext(parameters);
    }

    /// <summary>Ids of <paramref name="text"/> by llama.cpp's own tokenizer, with BOS when the file sets add_bos_token.</summary>
    public IReadOnlyList<long> Tokenize(string text) =>
        _context.Tokenize(text, addBos: true, special: false).Select(t => (long)(int)t).ToList();

    /// <summary>Whether llama.cpp ends generation at <paramref name="id"/> (EOS, EOT, EOM and the like).</summary>
    public bool IsEndOfGeneration(long id) => ((LLamaToken)(int)id).IsEndOfGeneration(_weights.Vocab);

    /// <summary>Argmax decoding from <paramref name="promptIds"/> until an end-of-generation token or the context ends.</summary>
    public IReadOnlyList<long> Greedy(IReadOnlyList<long> promptIds, int maxNewTokens)
    {
        _context.NativeHandle.MemoryClear();
        var batch = new LLamaBatch();
        for (int i = 0; i < promptIds.Count; i++)
            batch.Add((int)promptIds[i], i, LLamaSeqId.Zero, logits: i == promptIds.Count - 1);

        var output = new List<long>();
        int position = promptIds.Count;
        while (output.Count < maxNewTokens && position < _context.ContextSize)
        {
            var status = _context.Decode(batch);
            if (status != DecodeResult.Ok)
                throw new InvalidOperationException($"llama_decode failed: {status}");
            var logits = _context.NativeHandle.GetLogitsIth(batch.TokenCount - 1);
            long next = ArgMax(logits);
            if (IsEndOfGeneration(next))
                break;
            output.Add(next);
            batch.Clear();
            batch.Add((int)next, position++, LLamaSeqId.Zero, logits: true);
        }
        return output;
    }

    /// <summary>Logits at every position of <paramref name="ids"/>, fed one token per decode call.</summary>
    public float[][] TeacherForcedLogits(IReadOnlyList<long> ids)
    {
        _context.NativeHandle.MemoryClear();
        var batch = new LLamaBatch();
        var rows = new float[ids.Count][];
        for (int i = 0; i < ids.Count; i++)
        {
            batch.Clear();
            batch.Add((int)ids[i], i, LLamaSeqId.Zero, logits: true);
            var status = _context.Decode(batch);
            if (status != DecodeResult.Ok)
                throw new InvalidOperationException($"llama_decode failed: {status}");
            rows[i] = _context.NativeHandle.GetLogitsIth(0).ToArray();
        }
        return rows;
    }

    static long ArgMax(Span<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best])
                best = i;
        return best;
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }
}
