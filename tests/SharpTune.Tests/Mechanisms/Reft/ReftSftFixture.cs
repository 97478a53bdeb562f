using System.Runtime.InteropServices;
using SharpTune.Data;
using SharpTune.Generation;
using SharpTune.Mechanisms.Reft;
using SharpTune.Models;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using SharpTune.Tokenization;
using SharpTune.Training;
using TrainingOptions = SharpTune.Recipes.TrainingOptions;
using static TorchSharp.torch;

namespace SharpTune.Tests.Mechanisms.Reft;

/// <summary>
/// One short ReFT SFT run of stories260k on GSM8K question/answer pairs, shared by a test class: parameter bytes
/// before and after, eval losses, logits of a fixed prompt at each stage, greedy tokens and the saved artifact.
/// </summary>
public abstract class ReftSftFixture : IDisposable
{
    /// <summary>"&lt;s&gt; Once upon a time, there was a little girl named Lily." in the stories260k vocabulary.</summary>
    public static readonly long[] PromptIds = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426];

    public static readonly TrainingOptions Training = new()
    {
        MaxSteps = 20,
        BatchSize = 8,
        LearningRate = 5e-3,
        WarmupSteps = 2,
        Seed = 42,
    };

    readonly string tempDir = TestPaths.NewTempDir("sharptune-reft");

    public ReftOptions Options { get; }
    public LlamaForCausalLM Model { get; } = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
    public ReftModel Reft { get; }

    public IReadOnlyDictionary<string, byte[]> BaseBytes { get; }
    public IReadOnlyDictionary<string, byte[]> AttachedBytes { get; }
    public IReadOnlyDictionary<string, byte[]> TrainedBytes { get; }

    public Tensor BaseLogits { get; }
    public Tensor UntrainedLogits { get; }
    public Tensor TrainedLogits { get; }

    public double EvalLossBefore { get; }
    public double EvalLossAfter { get; }

    /// <summary>Greedy tokens for the first eval prompt right after training.</summary>
    public IReadOnlyList<long> GeneratedAfterTraining { get; }

    /// <summary>The prompt of the first eval example, the generation input.</summary>
    public IReadOnlyList<long> EvalPrompt { get; }

    public ExampleBatchSource Eval { get; }

    public IReadOnlyList<TokenizedExample> EvalExamples { get; }

    public ITrainingObjective Objective { get; }

    public string ArtifactDir => Path.Combine(tempDir, "adapter");

    public static readonly GenerationOptions Greedy = new() { MaxNewTokens = 24, StopIds = [1, 2] };

    protected ReftSftFixture(ReftOptions options, Func<ReftModel, ITrainingObjective>? objective = null)
    {
        Options = options;
        BaseBytes = Snapshot(Model);
        BaseLogits = Logits(Model);

        Reft = ReftAttach.Attach(Model, options, Training.Seed);
        Objective = objective?.Invoke(Reft) ?? CausalLmObjective.Instance;
        AttachedBytes = Snapshot(Model);
        UntrainedLogits = Logits(Model);

        // The first 64 records are the eval set and the rest the training set; max_length 256 leaves room for
        // the answer after the long Alpaca prompt.
        using var tokenizer = HfTokenizer.Load(TestPaths.Stories260k);
        var records = RecordParser.Load(TestPaths.SharedData("gsm8k_sft.dev.jsonl")).Records;
        var builder = new SftExampleBuilder(tokenizer, maxLength: 256);
        var collator = Collator.For(tokenizer);
        var evalExamples = builder.Build(records.Take(64)).Examples;
        EvalExamples = evalExamples;
        Eval = new ExampleBatchSource(evalExamples, collator);
        var train = new ExampleBatchSource(builder.Build(records.Skip(64)).Examples, collator);
        EvalPrompt = evalExamples[0].InputIds.Zip(evalExamples[0].Labels).TakeWhile(p => p.Second == Batch.IgnoreIndex)
            .Select(p => p.First).ToArray();

        EvalLossBefore = BatchForward.MeanLoss(Model, Eval, Training.BatchSize, Objective).Loss;
        new Trainer(Model, Training, train, eval: null, Path.Combine(tempDir, "run"), objective: Objective).Train();
        EvalLossAfter = BatchForward.MeanLoss(Model, Eval, Training.BatchSize, Objective).Loss;

        TrainedBytes = Snapshot(Model);
        TrainedLogits = Logits(Model);
        GeneratedAfterTraining = TextGenerator.Generate(Model, EvalPrompt, Greedy);
        ReftArtifact.Save(Reft, ArtifactDir, TestPaths.Stories260k);
    }

    /// <summary>Returns logits <c>[1, 16, vocab]</c> of <see cref="PromptIds"/> as a prompt, in eval mode.</summary>
    public static Tensor Logits(LlamaForCausalLM model)
    {
        model.eval();
        using var guard = no_grad();
        using var input = tensor(PromptIds, dtype: ScalarType.Int64).unsqueeze(0);
        using var positions = PromptPositions.ForPrompt(PromptIds.Length, CPU);
        return model.Forward(input, promptPositions: positions);
    }

    public static Dictionary<string, byte[]> Snapshot(LlamaForCausalLM model) =>
        model.named_parameters().ToDictionary(
            p => p.name,
            p => MemoryMarshal.AsBytes(p.parameter.data<float>().ToArray().AsSpan()).ToArray());

    public void Dispose()
    {
        BaseLogits.Dispose();
        UntrainedLogits.Dispose();
        TrainedLogits.Dispose();
        Model.Dispose();
        Directory.Delete(tempDir, recursive: true);
        GC.SuppressFinalize(this);
    }
}

public sealed class LoreftFixture() : ReftSftFixture(new ReftOptions { Method = ReftMethod.Loreft, R = 4 });

public sealed class DireftFixture() : ReftSftFixture(new ReftOptions { Method = ReftMethod.Direft, R = 4 });

public sealed class DiiFixture() : ReftSftFixture(new ReftOptions { Method = ReftMethod.Dii, R = 4, SourceIds = SourceIds() })
{
    /// <summary>A worked GSM8K-style answer in the Alpaca layout, the source whose subspace DII copies.</summary>
    public const string SourcePrompt =
        "### Response:\nShe sold 48 / 2 = <<48/2=24>>24 clips in May. In all she sold 48 + 24 = <<48+24=72>>72 clips.\n#### 72";

    static long[] SourceIds()
    {
        using var tokenizer = HfTokenizer.Load(TestPaths.Stories260k);
        return tokenizer.Encode(SourcePrompt).ToArray();
    }
}

public sealed class BrepFixture() : ReftSftFixture(
    new ReftOptions { Method = ReftMethod.Brep, GeneratedPositions = 4 },
    reft => new BrepObjective(reft, prefixLength: 16, new PidController(kp: 1, ki: 0.1, kd: 0, target: BiasTarget)))
{
    public const double BiasTarget = 0.5;
}
