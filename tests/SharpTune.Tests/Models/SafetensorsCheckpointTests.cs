using System.Text.Json;
using SharpTune.Models.Safetensors;
using TorchSharp;
using static TorchSharp.torch;
using static SharpTune.Tests.Models.SafetensorsTestFiles;

namespace SharpTune.Tests.Models;

public class SafetensorsCheckpointTests
{
    /// <summary>Five float32 tensors of 40 bytes each (10 elements), named t0..t4, with distinct values.</summary>
    static Dictionary<string, Tensor> FiveTensors()
    {
        var tensors = new Dictionary<string, Tensor>();
        for (var i = 0; i < 5; i++)
            tensors[$"t{i}"] = arange(10 * i, 10 * i + 10, dtype: ScalarType.Float32);
        return tensors;
    }

    static void DisposeAll(Dictionary<string, Tensor> tensors)
    {
        foreach (var t in tensors.Values)
            t.Dispose();
    }

    [Fact]
    public void Open_StoriesSingleFile()
    {
        using var checkpoint = SafetensorsCheckpoint.Open(TestPaths.Stories260k);

        Assert.Single(checkpoint.Files);
        Assert.Equal(48, checkpoint.Names.Count);
        Assert.Equal([512L, 64L], checkpoint.GetInfo("lm_head.weight").Shape);
    }

    [Fact]
    public void SaveSharded_FileNames()
    {
        var dir = TestPaths.NewTempDir();
        var tensors = FiveTensors();

        // 100 bytes per shard holds two 40-byte tensors, so five tensors need three shards.
        var written = SafetensorsWriter.SaveSharded(dir, tensors, maxShardBytes: 100);
        DisposeAll(tensors);

        Assert.Equal(
            ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors", "model.safetensors.index.json"],
            written.Select(Path.GetFileName));
    }

    [Fact]
    public void SaveSharded_IndexContents()
    {
        var dir = TestPaths.NewTempDir();
        var tensors = FiveTensors();

        SafetensorsWriter.SaveSharded(dir, tensors, maxShardBytes: 100);
        DisposeAll(tensors);

        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "model.safetensors.index.json")));
        var weightMap = index.RootElement.GetProperty("weight_map");
        Assert.Equal(5 * 40, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        Assert.Equal("model-00001-of-00003.safetensors", weightMap.GetProperty("t1").GetString());
        Assert.Equal("model-00002-of-00003.safetensors", weightMap.GetProperty("t2").GetString());
        Assert.Equal("model-00003-of-00003.safetensors", weightMap.GetProperty("t4").GetString());
    }

    [Fact]
    public void SaveSharded_RoundTrip()
    {
        var dir = TestPaths.NewTempDir();
        var tensors = FiveTensors();

        SafetensorsWriter.SaveSharded(dir, tensors, maxShardBytes: 100);
        using var checkpoint = SafetensorsCheckpoint.Open(dir);

        Assert.Equal(3, checkpoint.Files.Count);
        Assert.Equal(["t0", "t1", "t2", "t3", "t4"], checkpoint.Names);
        for (var i = 0; i < 5; i++)
        {
            using var loaded = checkpoint.GetTensor($"t{i}");
            var expected = Enumerable.Range(10 * i, 10).Select(v => (float)v).ToArray();
            Assert.Equal(expected, loaded.data<float>().ToArray());
        }
        DisposeAll(tensors);
    }

    [Fact]
    public void SaveSharded_OversizedTensorGetsOwnShard()
    {
        var dir = TestPaths.NewTempDir();
        var tensors = FiveTensors();

        var written = SafetensorsWriter.SaveSharded(dir, tensors, maxShardBytes: 30);
        DisposeAll(tensors);

        // Every 40-byte tensor exceeds 30 bytes, so each gets a shard: five shards and the index.
        Assert.Equal(6, written.Count);
    }

    [Fact]
    public void SaveSharded_OneShardWritesSingleFile()
    {
        var dir = TestPaths.NewTempDir();
        var tensors = FiveTensors();

        var written = SafetensorsWriter.SaveSharded(dir, tensors, maxShardBytes: 1 << 20);
        DisposeAll(tensors);

        Assert.Equal([Path.Combine(dir, "model.safetensors")], written);
        Assert.False(File.Exists(Path.Combine(dir, "model.safetensors.index.json")));
    }

    [Fact]
    public void SaveSharded_RemovesStaleLayout()
    {
        var dir = TestPaths.NewTempDir();
        var tensors = FiveTensors();
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "kept");

        SafetensorsWriter.SaveSharded(dir, tensors, maxShardBytes: 1 << 20);
        SafetensorsWriter.SaveSharded(dir, tensors, maxShardBytes: 100);
        DisposeAll(tensors);

        Assert.False(File.Exists(Path.Combine(dir, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(dir, "notes.txt")));
    }

    [Fact]
    public void Open_MissingShardNamesFile()
    {
        var dir = TestPaths.NewTempDir();
        var tensors = FiveTensors();
        SafetensorsWriter.SaveSharded(dir, tensors, maxShardBytes: 100);
        DisposeAll(tensors);
        var missing = Path.Combine(dir, "model-00002-of-00003.safetensors");
        File.Delete(missing);

        var error = Assert.Throws<SharpTuneInputException>(() => SafetensorsCheckpoint.Open(dir));

        Assert.StartsWith(Path.Combine(dir, "model.safetensors.index.json") + ": weight_map.t2: ", error.Message);
        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void Open_ShardLacksListedTensor()
    {
        var dir = TestPaths.NewTempDir();
        Write(dir, "model-00001-of-00001.safetensors",
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", Float32Bytes(1f));
        File.WriteAllText(Path.Combine(dir, "model.safetensors.index.json"),
            """{"metadata":{"total_size":8},"weight_map":{"a":"model-00001-of-00001.safetensors","b":"model-00001-of-00001.safetensors"}}""");

        var error = Assert.Throws<SharpTuneInputException>(() => SafetensorsCheckpoint.Open(dir));

        Assert.Contains("weight_map.b", error.Message);
    }

    [Fact]
    public void Open_ShardPathOutsideFolderRejected()
    {
        var dir = TestPaths.NewTempDir();
        File.WriteAllText(Path.Combine(dir, "model.safetensors.index.json"),
            """{"weight_map":{"a":"../elsewhere.safetensors"}}""");

        var error = Assert.Throws<SharpTuneInputException>(() => SafetensorsCheckpoint.Open(dir));

        Assert.Contains("weight_map.a", error.Message);
    }

    [Fact]
    public void Open_IndexWithoutWeightMap()
    {
        var dir = TestPaths.NewTempDir();
        var indexPath = Path.Combine(dir, "model.safetensors.index.json");
        File.WriteAllText(indexPath, """{"metadata":{}}""");

        var error = Assert.Throws<SharpTuneInputException>(() => SafetensorsCheckpoint.Open(dir));

        Assert.StartsWith(indexPath + ": weight_map: ", error.Message);
    }

    [Fact]
    public void Open_IndexInvalidJsonGivesLine()
    {
        var dir = TestPaths.NewTempDir();
        var indexPath = Path.Combine(dir, "model.safetensors.index.json");
        File.WriteAllText(indexPath, "{\n  \"weight_map\": {\n    \"a\": oops\n  }\n}\n");

        var error = Assert.Throws<SharpTuneInputException>(() => SafetensorsCheckpoint.Open(dir));

        Assert.StartsWith(indexPath + ":3: ", error.Message);
    }

    [Fact]
    public void Open_TruncatedShardNamesShard()
    {
        var dir = TestPaths.NewTempDir();
        var tensors = FiveTensors();
        SafetensorsWriter.SaveSharded(dir, tensors, maxShardBytes: 100);
        DisposeAll(tensors);
        var shard = Path.Combine(dir, "model-00003-of-00003.safetensors");
        File.WriteAllBytes(shard, File.ReadAllBytes(shard)[..^1]);

        var error = Assert.Throws<SharpTuneInputException>(() => SafetensorsCheckpoint.Open(dir));

        Assert.StartsWith(shard + ": ", error.Message);
    }

    [Fact]
    public void Open_FolderWithoutWeights()
    {
        var dir = TestPaths.NewTempDir();

        var error = Assert.Throws<SharpTuneInputException>(() => SafetensorsCheckpoint.Open(dir));

        Assert.StartsWith(dir + ": ", error.Message);
        Assert.Contains("model.safetensors.index.json", error.Message);
    }

    [Fact]
    public void Open_MissingFolder()
    {
        var dir = Path.Combine(TestPaths.NewTempDir(), "absent");

        var error = Assert.Throws<SharpTuneInputException>(() => SafetensorsCheckpoint.Open(dir));

        Assert.StartsWith(dir + ": ", error.Message);
    }

    [Fact]
    public void GetTensor_UnknownNameNamesFolder()
    {
        using var checkpoint = SafetensorsCheckpoint.Open(TestPaths.Stories260k);

        var error = Assert.Throws<SharpTuneInputException>(() => checkpoint.GetTensor("model.missing.weight"));

        Assert.Contains("model.missing.weight", error.Message);
    }
}
