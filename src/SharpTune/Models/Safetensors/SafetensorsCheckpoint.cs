using static TorchSharp.torch;

namespace SharpTune.Models.Safetensors;

/// <summary>
/// The weights of a model folder as one name-to-tensor view: a single <c>model.safetensors</c>, or the shards
/// listed in <c>model.safetensors.index.json</c>.
/// </summary>
/// <remarks>
/// As in Hugging Face transformers, <c>model.safetensors</c> wins when both files are present. For a sharded
/// checkpoint the view contains exactly the names in <c>weight_map</c>. Every shard is opened and validated up
/// front. Thread safety and tensor ownership are as for <see cref="SafetensorsReader"/>.
/// </remarks>
public sealed class SafetensorsCheckpoint : ITensorSource, IDisposable
{
    /// <summary>File name of an unsharded checkpoint.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>File name of a sharded checkpoint's index.</summary>
    public const string IndexFileName = SafetensorsIndex.FileName;

    readonly SafetensorsReader[] readers;
    readonly Dictionary<string, SafetensorsReader> readerByName;

    /// <summary>Full path of the model folder.</summary>
    public string Directory { get; }

    /// <summary>Full paths of the safetensors files in use, in shard order.</summary>
    public IReadOnlyList<string> Files => readers.Select(r => r.Path).ToArray();

    /// <summary>Tensor names, sorted ordinally.</summary>
    public IReadOnlyList<string> Names { get; }

    SafetensorsCheckpoint(string directory, SafetensorsReader[] readers, Dictionary<string, SafetensorsReader> readerByName)
    {
        Directory = directory;
        this.readers = readers;
        this.readerByName = readerByName;
        Names = readerByName.Keys.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Opens the checkpoint in a model folder.</summary>
    /// <exception cref="SharpTuneInputException">The folder or its weights are missing, the index names a missing
    /// shard or a tensor its shard lacks, or a file is malformed or truncated.</exception>
    public static SafetensorsCheckpoint Open(string modelDir)
    {
        var directory = Path.GetFullPath(modelDir);
        if (!System.IO.Directory.Exists(directory))
            throw SharpTuneInputException.At(directory, null, null, "model folder not found; check the path or download the model");

        var singlePath = Path.Combine(directory, SingleFileName);
        if (File.Exists(singlePath))
        {
            var reader = SafetensorsReader.Open(singlePath);
            return new SafetensorsCheckpoint(directory, [reader], reader.Names.ToDictionary(n => n, _ => reader, StringComparer.Ordinal));
        }

        var indexPath = Path.Combine(directory, IndexFileName);
        if (File.Exists(indexPath))
            return OpenSharded(directory, indexPath);

        throw SharpTuneInputException.At(directory, null, null,
            $"neither {SingleFileName} nor {IndexFileName} found; download the model's safetensors weights into this folder");
    }

    static SafetensorsCheckpoint OpenSharded(string directory, string indexPath)
    {
        var index = SafetensorsIndex.Read(indexPath);
        var readerByShard = new Dictionary<string, SafetensorsReader>(StringComparer.Ordinal);
        try
        {
            var readerByName = new Dictionary<string, SafetensorsReader>(StringComparer.Ordinal);
            foreach (var (name, shard) in index.WeightMap.OrderBy(e => e.Value, StringComparer.Ordinal))
            {
                if (!readerByShard.TryGetValue(shard, out var reader))
                {
                    var shardPath = Path.Combine(directory, shard);
                    if (!File.Exists(shardPath))
                        throw SharpTuneInputException.At(indexPath, null, $"weight_map.{name}",
                            $"shard file {shardPath} not found; download every shard the index lists, or save the checkpoint again");
                    reader = SafetensorsReader.Open(shardPath);
                    readerByShard.Add(shard, reader);
                }

                if (!reader.Contains(name))
                    throw SharpTuneInputException.At(indexPath, null, $"weight_map.{name}",
                        $"shard file {reader.Path} does not contain this tensor; download the checkpoint again so the index and shards match");
                readerByName.Add(name, reader);
            }

            return new SafetensorsCheckpoint(directory, readerByShard.Values.ToArray(), readerByName);
        }
        catch
        {
            foreach (var reader in readerByShard.Values)
                reader.Dispose();
            throw;
        }
    }

    /// <summary>Whether the checkpoint contains a tensor of this name.</summary>
    string ITensorSource.Description => Directory;

    public bool Contains(string name) => readerByName.ContainsKey(name);

    /// <summary>Returns a tensor's header entry.</summary>
    /// <exception cref="SharpTuneInputException">No tensor has this name.</exception>
    public SafetensorsTensorInfo GetInfo(string name) => ReaderFor(name).GetInfo(name);

    /// <summary>Copies a tensor into a new CPU tensor that the caller owns. See <see cref="SafetensorsReader.GetTensor"/>.</summary>
    /// <exception cref="SharpTuneInputException">No tensor has this name, or its dtype has no TorchSharp type.</exception>
    public Tensor GetTensor(string name) => ReaderFor(name).GetTensor(name);

    SafetensorsReader ReaderFor(string name) =>
        readerByName.TryGetValue(name, out var reader)
            ? reader
            : throw SharpTuneInputException.At(Directory, null, name,
                "tensor not found in the checkpoint; check that the checkpoint matches the model's architecture");

    public void Dispose()
    {
        foreach (var reader in readers)
            reader.Dispose();
    }
}
