using System.Runtime.InteropServices;
using SharpTune.Data;
using SharpTune.Generation;
using SharpTune.Mechanisms;
using SharpTune.Models.Safetensors;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using SharpTune.Tests.Training;
using SharpTune.Training;
using static TorchSharp.torch;
using TrainingOptions = SharpTune.Recipes.TrainingOptions;

namespace SharpTune.Tests.Mechanisms;

/// <summary>
/// One short SFT run of stories260k on GSM8K pairs with one mechanism attached, shared by a test class. It keeps
/// the parameter bytes and the logits of a fixed input at load, after attaching and after training, the eval losses,
/// the greedy tokens right after training and the saved artifact.
/// </summary>
public abstract class MechanismFixture : IDisposable
{
    /// <summary>"&lt;s&gt; Once upon a time" in the stories260k vocabulary.</summary>
    static readonly long[] PromptIds = [1, 403, 407, 261, 378];

    readonly string tempDir = TestPaths.NewTempDir("sharptune-mechanism");

    public LlamaForCausalLM Model { get; } = TrainingMaterial.LoadModel();

    public IReadOnlyDictionary<string, byte[]> BaseBytes { get; private set; } = null!;
    public IReadOnlyDictionary<string, byte[]> AttachedBytes { get; private set; } = null!;
    public IReadOnlyDictionary<string, byte[]> TrainedBytes { get; private set; } = null!;

    public Tensor BaseLogits { get; private set; } = null!;
    public Tensor UntrainedLogits { get; private set; } = null!;
    public Tensor TrainedLogits { get; private set; } = null!;

    public double EvalLossBefore { get; private set; }
    public double EvalLossAfter { get; private set; }

    public ParameterCount Counts { get; private set; } = null!;

    /// <summary>Greedy continuation of the prompt right after training.</summary>
    public IReadOnlyList<long> GeneratedTokens { get; private set; } = null!;

    public string ArtifactDir => Path.Combine(tempDir, "adapter");

    protected virtual TrainingOptions Training => new()
    {
        MaxSteps = 20,
        BatchSize = 8,
        LearningRate = 1e-2,
        WarmupSteps = 2,
        Seed = 42,
    };

    /// <summary>Attaches the mechanism; <paramref name="train"/> is there for mechanisms that calibrate on data.</summary>
    protected abstract void Attach(LlamaForCausalLM model, IBatchSource train);

    protected abstract void Save(LlamaForCausalLM model, string dir);

    protected virtual Action<int, int>? AfterStep => null;

    /// <summary>Whether training is meant to change the parameter of this name (as named after attaching).</summary>
    public abstract bool IsTrained(string name);

    /// <summary>Names of the tensors the artifact should hold: by default the trained parameters' names.</summary>
    public virtual IEnumerable<string> ExpectedArtifactTensors => AttachedBytes.Keys.Where(IsTrained);

    /// <summary>Names of the tensors in the saved artifact.</summary>
    public virtual IEnumerable<string> ArtifactTensors()
    {
        using var reader = SafetensorsReader.Open(Path.Combine(ArtifactDir, MechanismArtifact.WeightsFile));
        return reader.Names.ToList();
    }

    /// <summary>Runs the whole sequence; derived constructors call it once their own fields are set.</summary>
    protected void Run()
    {
        BaseBytes = Snapshot(Model);
        BaseLogits = LoraSftFixture.Logits(Model);

        // The first 16 short examples are the eval set and the next 32 the training set.
        var examples = TrainingMaterial.ShortGsm8kExamples(48, maxTokens: 320);
        using var tokenizer = TrainingMaterial.LoadTokenizer();
        var collator = Collator.For(tokenizer);
        var eval = new ExampleBatchSource(examples.Take(16).ToList(), collator);
        var train = new ExampleBatchSource(examples.Skip(16).ToList(), collator);

        Attach(Model, train);
        Counts = ParameterCount.Of(Model);
        AttachedBytes = Snapshot(Model);
        UntrainedLogits = LoraSftFixture.Logits(Model);

        EvalLossBefore = BatchForward.MeanLoss(Model, eval, Training.BatchSize).Loss;
        new Trainer(Model, Training, train, eval: null, Path.Combine(tempDir, "run")) { AfterStep = AfterStep }.Train();
        EvalLossAfter = BatchForward.MeanLoss(Model, eval, Training.BatchSize).Loss;

        TrainedBytes = Snapshot(Model);
        TrainedLogits = LoraSftFixture.Logits(Model);
        GeneratedTokens = Generate(Model);
        Save(Model, ArtifactDir);
    }

    /// <summary>Loads stories260k with the saved artifact through <see cref="AdapterFolder"/>, as the CLI does.</summary>
    public LlamaForCausalLM Reload()
    {
        var model = TrainingMaterial.LoadModel();
        AdapterFolder.Load(model, ArtifactDir);
        return model;
    }

    public static IReadOnlyList<long> Generate(LlamaForCausalLM model) =>
        TextGenerator.Generate(model, PromptIds, new GenerationOptions { MaxNewTokens = 24 });

    /// <summary>Maps a wrapped module's parameter name back to the checkpoint name.</summary>
    public static string BaseName(string name) => name.Replace(".base_layer.", ".");

    static Dictionary<string, byte[]> Snapshot(LlamaForCausalLM model) =>
        model.named_parameters().ToDictionary(
            p => p.name,
            p => MemoryMarshal.AsBytes(p.parameter.data<float>().ToArray().AsSpan()).ToArray());

    public void Dispose()
    {
        BaseLogits?.Dispose();
        UntrainedLogits?.Dispose();
        TrainedLogits?.Dispose();
        Model.Dispose();
        Directory.Delete(tempDir, recursive: true);
        GC.SuppressFinalize(this);
    }
}
