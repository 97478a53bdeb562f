using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace SharpTune.Models.Safetensors;

public static partial class SafetensorsWriter
{
    /// <summary>
    /// Saves tensors as a checkpoint folder the way Hugging Face <c>save_pretrained</c> does. Tensors go, in name
    /// order, into shards <c>model-00001-of-0000N.safetensors</c> of at most <paramref name="maxShardBytes"/> of
    /// tensor data each, plus a <c>model.safetensors.index.json</c> with <c>metadata.total_size</c> and
    /// <c>weight_map</c>. When everything fits in one shard, it writes a single <c>model.safetensors</c> and no
    /// index. Checkpoint files of the other layout, or shards of an earlier save, are deleted afterwards.
    /// </summary>
    /// <param name="directory">Checkpoint folder, created when missing.</param>
    /// <param name="tensors">Tensors by name, with the dtypes <see cref="Save"/> accepts.</param>
    /// <param name="maxShardBytes">Maximum tensor data per shard, in bytes. A tensor larger than this gets a
    /// shard of its own.</param>
    /// <param name="metadata">Strings for every shard's <c>__metadata__</c>, as in <see cref="Save"/>.</param>
    /// <returns>Full paths of the files written: the shards, then the index when there is one.</returns>
    /// <remarks>
    /// NOTE: each file is replaced atomically, but the folder as a whole is not. A crash between shard writes
    /// can leave an old index naming a mix of old and new shards. The index is written after all shards, and
    /// stale files are deleted last, so a save that completes is always consistent.
    /// </remarks>
    public static IReadOnlyList<string> SaveSharded(
        string directory,
        IReadOnlyDictionary<string, Tensor> tensors,
        long maxShardBytes,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        directory = Path.GetFullPath(directory);

        var shards = SplitIntoShards(Describe(tensors), maxShardBytes);
        if (shards.Count <= 1)
        {
            var single = Path.Combine(directory, SafetensorsCheckpoint.SingleFileName);
            WriteFile(single, shards.Count == 1 ? shards[0] : [], metadata);
            DeleteStaleFiles(directory, [single]);
            return [single];
        }

        var written = new List<string>();
        var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        long totalSize = 0;
        for (var i = 0; i < shards.Count; i++)
        {
            var fileName = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            var shardPath = Path.Combine(directory, fileName);
            WriteFile(shardPath, shards[i], metadata);
            written.Add(shardPath);
            foreach (var entry in shards[i])
            {
                weightMap[entry.Name] = fileName;
                totalSize += entry.ByteLength;
            }
        }

        var indexPath = Path.Combine(directory, SafetensorsIndex.FileName);
        new SafetensorsIndex(weightMap, totalSize).Write(indexPath);
        written.Add(indexPath);

        DeleteStaleFiles(directory, written);
        return written;
    }

    /// <summary>Fills shards in name order, starting a new one when the next tensor would exceed the limit.</summary>
    static List<List<Entry>> SplitIntoShards(List<Entry> entries, long maxShardBytes)
    {
        var shards = new List<List<Entry>>();
        long shardBytes = 0;
        foreach (var entry in entries.OrderBy(e => e.Name, Utf8Ordinal.Instance))
        {
            if (shards.Count == 0 || (shardBytes > 0 && shardBytes + entry.ByteLength > maxShardBytes))
            {
                shards.Add([]);
                shardBytes = 0;
            }
            shards[^1].Add(entry);
            shardBytes += entry.ByteLength;
        }
        return shards;
    }

    /// <summary>Deletes checkpoint files of this naming scheme that the save just completed did not write.</summary>
    static void DeleteStaleFiles(string directory, IReadOnlyCollection<string> written)
    {
        var keep = new HashSet<string>(written, StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            var name = Path.GetFileName(file);
            var isCheckpointFile = name == SafetensorsCheckpoint.SingleFileName
                || name == SafetensorsIndex.FileName
                || ShardFileName().IsMatch(name);
            if (isCheckpointFile && !keep.Contains(file))
                File.Delete(file);
        }
    }

    [GeneratedRegex(@"^model-\d{5}-of-\d{5}\.safetensors$")]
    private static partial Regex ShardFileName();
}
