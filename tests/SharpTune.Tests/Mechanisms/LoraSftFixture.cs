using System.Diagnostics;
using System.Runtime.InteropServices;
using SharpTune.Data;
using SharpTune.Mechanisms.Lora;
using SharpTune.Models;
using SharpTune.Models.Llama;
using TrainingOptions = SharpTune.Recipes.TrainingOptions;
using SharpTune.Tokenization;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests.Mechanisms;

/// <summary>
/// One short LoRA SFT run of stories260k on GSM8K question/answer pairs, shared by a test class: the weights
/// before and after, the eval loss before and after, logits of a fixed input at each stage, and the saved adapter.
/// </summary>
public sealed class LoraSftFixture : IDisposable
{
    /// <summary>"&lt;s&gt; Once upon a time, there was a little girl named Lily." in the stories260k vocabulary.</summary>
    static readonly long[] InputIds = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426];

    public static readonly LoraOptions Options = new()
    {
        R = 8,
        Alpha = 16,
        TargetModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    };

    public static readonly TrainingOptions Training = new()
    {
        MaxSteps = 30,
        BatchSize = 8,
        LearningRate = 3e-3,
        WarmupSteps = 3,
        Seed = 42,
    };

    readonly string tempDir = TestPaths.NewTempDir("sharptune-lora");

    public LlamaForCausalLM Model { get; } = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);

    /// <summary>Raw bytes of every parameter as loaded, by checkpoint name.</summary>
    public IReadOnlyDictionary<string, byte[]> BaseBytes { get; }

    /// <summary>Raw bytes of every parameter right after LoRA was attached, by module name.</summary>
    public IReadOnlyDictionary<string, byte[]> AttachedBytes { get; }

    /// <summary>Raw bytes of every parameter after training, by module name.</summary>
    public IReadOnlyDictionary<string, byte[]> TrainedBytes { get; }

    public Tensor BaseLogits { get; }
    public Tensor UntrainedAdapterLogits { get; }
    public Tensor TrainedAdapterLogits { get; }

    public double EvalLossBefore { get; }
    public double EvalLossAfter { get; }

    /// <summary>Examples left after max_length truncation dropped those with no response token, for the test log.</summary>
    public (int Train, int Eval) ExampleCounts { get; }

    /// <summary>Wall time of the 30 training steps, for the test log only.</summary>
    public TimeSpan TrainingTime { get; }

    /// <summary>Folder with the trained adapter in PEFT layout.</summary>
    public string AdapterDir => Path.Combine(tempDir, "adapter");

    public LoraSftFixture()
    {
        BaseBytes = Snapshot(Model);
        BaseLogits = Logits(Model);

        LoraModel.Attach(Model, Options, Training.Seed);
        AttachedBytes = Snapshot(Model);
        UntrainedAdapterLogits = Logits(Model);

        var (train, eval) = Gsm8kSplits();
        ExampleCounts = (train.Count, eval.Count);
        EvalLossBefore = BatchForward.MeanLoss(Model, eval, Training.BatchSize).Loss;
        var clock = Stopwatch.StartNew();
        new Trainer(Model, Training, train, eval: null, Path.Combine(tempDir, "run")).Train();
        TrainingTime = clock.Elapsed;
        EvalLossAfter = BatchForward.MeanLoss(Model, eval, Training.BatchSize).Loss;

        TrainedBytes = Snapshot(Model);
        TrainedAdapterLogits = Logits(Model);
        PeftAdapter.Save(Model, Options, AdapterDir, TestPaths.Stories260k);
    }

    /// <summary>
    /// Returns the GSM8K SFT batches at max_length 192: the first 100 records are the eval set and the other 300 the
    /// training set. Most records are dropped, because the Alpaca prompt and the question leave no room for the answer.
    /// </summary>
    public static (ExampleBatchSource Train, ExampleBatchSource Eval) Gsm8kSplits()
    {
        using var tokenizer = HfTokenizer.Load(TestPaths.Stories260k);
        var records = RecordParser.Load(TestPaths.SharedData("gsm8k_sft.dev.jsonl")).Records;
        var builder = new SftExampleBuilder(tokenizer, maxLength: 192);
        var collator = Collator.For(tokenizer);
        var eval = new ExampleBatchSource(builder.Build(records.Take(100)).Examples, collator);
        var train = new ExampleBatchSource(builder.Build(records.Skip(100)).Examples, collator);
        return (train, eval);
    }

    /// <summary>Returns logits <c>[1, 16, vocab]</c> of the fixed input in eval mode.</summary>
    public static Tensor Logits(LlamaForCausalLM model)
    {
        model.eval();
        using var guard = no_grad();
        using var input = tensor(InputIds, dtype: ScalarType.Int64).unsqueeze(0);
        return model.Forward(input);
    }

    static Dictionary<string, byte[]> Snapshot(LlamaForCausalLM model) =>
        model.named_parameters().ToDictionary(
            p => p.name,
            p => MemoryMarshal.AsBytes(p.parameter.data<float>().ToArray().AsSpan()).ToArray());

    public void Dispose()
    {
        BaseLogits.Dispose();
        UntrainedAdapterLogits.Dispose();
        TrainedAdapterLogits.Dispose();
        Model.Dispose();
        Directory.Delete(tempDir, recursive: true);
    }
}
