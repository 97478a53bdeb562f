using SharpTune.Data;
using SharpTune.Objectives;
using SharpTune.Training;
using static SharpTune.Tests.Training.TrainingMaterial;
using static TorchSharp.torch;

namespace SharpTune.Tests.Training;

/// <summary>
/// A packed row must train as if each document piece ran alone: positions restart at 0 and no token attends to
/// another document. The reference runs every piece as its own sequence and sums log-probabilities by hand.
/// </summary>
[Collection(TrainingCollection.Name)]
public class PackedLossTests
{
    const int RowLength = 64;

    [Fact]
    public void PackedBatch_EqualsDocumentsAlone()
    {
        using var tokenizer = LoadTokenizer();
        var documents = File.ReadLines(Grimm).Take(5)
            .Select((line, i) => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("text").GetString()!)
            .Zip(new[] { 120, 40, 200, 75, 150 }, (text, chars) => text[..chars])
            .ToList();
        var builder = new TextExampleBuilder(tokenizer, RowLength, pack: true);
        var rows = builder.Build(documents.Select((text, i) => new TextRecord(text, new RecordSource("grimm", i + 1)))).Examples;
        using var model = LoadModel();
        using var guard = no_grad();
        using var scope = NewDisposeScope();

        using var batch = Collator.For(tokenizer).Collate(rows);
        double packedSum = CausalLmLoss.Sum(BatchForward.Logits(model, batch), batch.Labels).item<float>();
        long packedTargets = batch.TargetTokenCount();

        var (referenceSum, referenceTargets) = (0.0, 0L);
        foreach (var piece in Pieces(documents.Select(builder.TokenizeDocument).ToList()))
        {
            long n = piece.Length;
            var ids = tensor(piece, [1, n], ScalarType.Int64);
            var logits = model.Forward(ids, arange(n, dtype: ScalarType.Int64).unsqueeze(0))[0];   // [n, vocab]
            var logProbabilities = nn.functional.log_softmax(logits.narrow(0, 0, n - 1), 1);          // [n-1, vocab]
            var next = ids[0].narrow(0, 1, n - 1).unsqueeze(1);                                        // [n-1, 1]
            referenceSum -= logProbabilities.gather(1, next).sum().item<float>();
            referenceTargets += n - 1;
        }

        Assert.True(rows.Count >= 3, $"expected several rows, got {rows.Count}");
        Assert.Contains(rows, row => row.SegmentIds!.Distinct().Count() > 1);
        Assert.Equal(referenceTargets, packedTargets);
        Assert.Equal(referenceSum / referenceTargets, packedSum / packedTargets, 1e-5);
    }

    /// <summary>
    /// Cuts the concatenated documents into rows of <see cref="RowLength"/> tokens and returns each document's part
    /// of each row. A document that crosses a row boundary gives two pieces.
    /// </summary>
    static IEnumerable<long[]> Pieces(IReadOnlyList<IReadOnlyList<long>> documents)
    {
        long start = 0;
        foreach (var document in documents)
        {
            int offset = 0;
            while (offset < document.Count)
            {
                long rowEnd = (start / RowLength + 1) * RowLength;
                int take = (int)Math.Min(rowEnd - start, document.Count - offset);
                // A one-token piece predicts nothing.
                if (take > 1)
                    yield return document.Skip(offset).Take(take).ToArray();
                offset += take;
                start += take;
            }
        }
    }
}
