using SharpTune.Data;
using SharpTune.Models;
using SharpTune.Models.Llama;
using SharpTune.Models.Safetensors;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Tests.Training;

/// <summary>The real tiny model and data sets that the training and CLI tests run on.</summary>
public static class TrainingMaterial
{
    public static string Gsm8k => TestPaths.SharedData("gsm8k_sft.dev.jsonl");

    public static string Grimm => TestPaths.SharedData("grimm_fairy_tales_text.dev.jsonl");

    /// <summary>Loads stories260k in float32 on the CPU.</summary>
    public static LlamaForCausalLM LoadModel() => PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);

    public static HfTokenizer LoadTokenizer() => HfTokenizer.Load(TestPaths.Stories260k);

    /// <summary>
    /// Returns the first <paramref name="count"/> gsm8k SFT examples of at most <paramref name="maxTokens"/> tokens,
    /// in file order. Short examples keep training steps cheap, and their lengths still differ from one to the next.
    /// </summary>
    public static IReadOnlyList<TokenizedExample> ShortGsm8kExamples(int count, int maxTokens)
    {
        using var tokenizer = LoadTokenizer();
        var records = RecordParser.Load(Gsm8k).Records;
        var examples = new SftExampleBuilder(tokenizer, maxLength: 512).Build(records).Examples
            .Where(example => example.Length <= maxTokens)
            .Take(count)
            .ToList();
        if (examples.Count < count)
            throw new InvalidOperationException($"gsm8k has only {examples.Count} examples of at most {maxTokens} tokens");
        return examples;
    }

    /// <summary>
    /// Writes the source lines of <see cref="ShortGsm8kExamples"/> to <c>train.jsonl</c> in
    /// <paramref name="dir"/> and returns its path.
    /// </summary>
    public static string WriteShortGsm8k(string dir, int count, int maxTokens)
    {
        var lines = File.ReadAllLines(Gsm8k);
        var kept = ShortGsm8kExamples(count, maxTokens).Select(example => lines[example.Source!.Value.Line - 1]);
        var path = Path.Combine(dir, "train.jsonl");
        File.WriteAllLines(path, kept);
        return path;
    }

    /// <summary>Reads every tensor of a float32 safetensors file.</summary>
    public static Dictionary<string, float[]> ReadTensors(string path)
    {
        using var reader = SafetensorsReader.Open(path);
        var tensors = new Dictionary<string, float[]>();
        foreach (var name in reader.Names)
        {
            using var tensor = reader.GetTensor(name);
            tensors[name] = tensor.data<float>().ToArray();
        }
        return tensors;
    }

    /// <summary>
    /// Returns the largest element-wise difference between the tensors of <paramref name="expected"/> and those of the
    /// same name in <paramref name="actual"/>, with the tensor's name. A NaN counts as the largest difference.
    /// </summary>
    public static (string Name, double Difference) MaxDifference(
        IReadOnlyDictionary<string, float[]> expected, IReadOnlyDictionary<string, float[]> actual)
    {
        var worst = ("", 0.0);
        foreach (var (name, values) in expected)
        {
            var other = actual[name];
            for (int i = 0; i < values.Length; i++)
            {
                double difference = Math.Abs((double)values[i] - other[i]);
                if (difference > worst.Item2 || double.IsNaN(difference))
                    worst = (name, difference);
            }
        }
        return worst;
    }

    /// <summary>Returns every file under <paramref name="dir"/> by relative path with its bytes.</summary>
    public static SortedDictionary<string, byte[]> Snapshot(string dir) =>
        new(Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .ToDictionary(file => Path.GetRelativePath(dir, file), File.ReadAllBytes), StringComparer.Ordinal);
}
