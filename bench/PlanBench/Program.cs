// Prints the planner's estimate against the measured peak memory of a short CPU training run, for stories260k and
// a random-weight Llama of about 56 M parameters, with full fine-tuning, LoRA, QLoRA, LoReFT and a linear probe.
// Each run is a child process of its own, because VmHWM (peak resident set) only grows within a process.
// The children run with MALLOC_MMAP_THRESHOLD_=131072: glibc then returns every freed block of 128 KiB or more to
// the system, so VmHWM follows the live tensors, which is what the planner estimates (and what
// torch.cuda.max_memory_allocated reports on a GPU). With glibc's default the threshold rises after the first large
// block is freed, and later freed activations stay in glibc's heap and count in VmHWM (docs/planner.md).
// Each row is measured Repeats times in fresh processes; the table gives the median and the range.
// Run: dotnet run -c Release --project bench/PlanBench -- ../shared/models/stories260k [repeats] [stories260k|random-56m]
using System.Diagnostics;
using SharpTune.Data;
using SharpTune.Mechanisms.Heads;
using SharpTune.Mechanisms.Lora;
using SharpTune.Mechanisms.Qlora;
using SharpTune.Mechanisms.Reft;
using SharpTune.Models;
using SharpTune.Models.Llama;
using SharpTune.Objectives;
using SharpTune.Planning;
using SharpTune.Precision;
using SharpTune.Training;
using TorchSharp;
using static TorchSharp.torch;

const int Steps = 3;
string[] mechanisms = ["full", "lora", "qlora", "loreft", "linear_probe"];
// QLoRA computes in bf16 over its NF4 base, as the planner's nf4 precision assumes. The others run in fp32.

SharpTune.Runtime.TorchRuntime.EnsureLoaded();
if (args.Length >= 3 && args[0] == "measure")
{
    Console.WriteLine(Measure(args[1], args[2]));
    return;
}

var stories = args.Length > 0 ? args[0] : Path.Combine("..", "shared", "models", "stories260k");
int repeats = args.Length > 1 ? int.Parse(args[1]) : 3;
string modelFilter = args.Length > 2 ? args[2] : "";
Console.WriteLine($"CPU, fp32 (qlora: NF4 base, bf16 compute), AdamW, {Steps} steps, {repeats} runs per row; measured = VmHWM over the training steps − VmRSS before the model is built; median (min–max).");
Console.WriteLine("| model | batch × seq | mechanism | estimate MiB | measured MiB | estimate / measured | weights estimate MiB |");
Console.WriteLine("|---|---|---|---:|---:|---:|---:|");
foreach (var model in new[] { stories, "random-56m" })
{
    string name = Path.GetFileName(model);
    if (modelFilter.Length > 0 && modelFilter != name)
        continue;
    var (batchSize, seqLen) = Shape(model);
    foreach (var mechanism in mechanisms)
    {
        var runs = new List<double>();
        string estimate = "", weights = "";
        for (int run = 0; run < repeats; run++)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add("measure");
            start.ArgumentList.Add(model);
            start.ArgumentList.Add(mechanism);
            start.Environment["MALLOC_MMAP_THRESHOLD_"] = "131072";
            using var child = Process.Start(start)!;
            var parts = child.StandardOutput.ReadToEnd().Trim().Split('\n')[^1].Split(' ');
            child.WaitForExit();
            (estimate, weights) = (parts[0], parts[2]);
            runs.Add(double.Parse(parts[1]));
        }
        runs.Sort();
        double estimateMiB = double.Parse(estimate), median = runs[runs.Count / 2];
        Console.WriteLine($"| {name} | {batchSize} × {seqLen} | {mechanism} | {estimateMiB:0.0} | {median:0.0} ({runs[0]:0.0}–{runs[^1]:0.0}) | " +
                          $"{estimateMiB / median:0.00} ({estimateMiB / runs[^1]:0.00}–{estimateMiB / runs[0]:0.00}) | {weights} |");
    }
}

// stories260k trains at its full context (max_position_embeddings 512) with 32 sequences per step, so activations
// dominate and every run is tens to hundreds of MiB: 1 to 3 MiB of run-to-run noise moves the ratio by a few percent.
// At batch 4 × 128 its runs totalled 5 to 20 MiB and the noise alone moved the ratio by 10% to 40%. The 56 M model
// keeps a short shape that its weights and optimizer states already dominate, so each run takes minutes, not tens.
static (int BatchSize, int SeqLen) Shape(string model) => model == "random-56m" ? (4, 128) : (32, 512);

static string Measure(string modelArg, string mechanism)
{
    torch.set_num_threads(1);
    var (batchSize, seqLen) = Shape(modelArg);
    var dtype = mechanism == "qlora" ? ScalarType.BFloat16 : ScalarType.Float32;
    // A warm-up run of a random model of the same configuration creates libtorch's one-off state first: mapped
    // kernels, oneDNN primitives and their caches, which grow with the number of layers. That state belongs to the
    // planner's separate overhead line, not to the run's working set. On stories260k it is 20 to 40 MiB.
    var config = modelArg == "random-56m" ? RandomConfig() : ModelConfig.Load(modelArg);
    Train(Build(config, null, mechanism, dtype), mechanism, batchSize, seqLen);
    GC.Collect();
    GC.WaitForPendingFinalizers();
    long baseline = StatusKiB("VmRSS") * 1024;
    var model = Build(config, modelArg == "random-56m" ? null : modelArg, mechanism, dtype);
    // Writing 5 to clear_refs resets VmHWM (Linux 4.0 and later), so the peak of building or loading the model,
    // such as a temporary copy during weight initialization or the full-precision weights before quantization,
    // stays out of the training peak.
    File.WriteAllText("/proc/self/clear_refs", "5");
    Train(model, mechanism, batchSize, seqLen);
    long measured = StatusKiB("VmHWM") * 1024 - baseline;

    var precision = mechanism == "qlora" ? PlanPrecision.Nf4 : PlanPrecision.Fp32;
    var request = new PlanRequest
    {
        Model = ModelShape.FromConfig(config, modelArg, null),
        Objective = mechanism == "linear_probe" ? PlanObjective.Classify : PlanObjective.Sft,
        Mechanism = Enum.Parse<PlanMechanism>(mechanism.Replace("_", ""), ignoreCase: true),
        Precision = precision,
        LoraAllLinear = mechanism == "qlora",
        // SharpTune's Llama attention calls scaled_dot_product_attention, which on the CPU runs a fused kernel that
        // saves no attention probabilities. A 16 × 8 × 512 × 512 call keeps at most 6 MiB alive beyond its inputs,
        // where stored probabilities would take 64 MiB in bf16.
        FusedAttention = true,
        SeqLen = seqLen,
        BatchSize = batchSize,
        OverheadBytes = 0,
    };
    long estimate = MemoryEstimator.Estimate(request).TotalBytes;
    long weights = MemoryEstimator.WeightBytes(request.Model, precision);
    return $"{estimate / 1048576.0:0.0} {measured / 1048576.0:0.0} {weights / 1048576.0:0.0}";
}

// Builds or loads the model in dtype. For QLoRA it then stores every decoder projection in NF4 with double quantization.
static LlamaForCausalLM Build(ModelConfig config, string? path, string mechanism, ScalarType dtype)
{
    var model = path is null ? PretrainedModel.CreateRandom(config, dtype, CPU, seed: 0) : PretrainedModel.Load(path, dtype, CPU);
    if (mechanism == "qlora")
        QloraModel.Quantize(model, FourBitType.Nf4);
    return model;
}

// Runs Steps optimizer steps of the mechanism on random tokens, then disposes the model.
static void Train(LlamaForCausalLM model, string mechanism, int batchSize, int seqLen)
{
    using var owned = model;
    var config = model.Config;
    model.train();
    ClassifyObjective? classify = null;
    switch (mechanism)
    {
        case "lora": LoraModel.Attach(model, new LoraOptions(), 0); break;
        case "qlora": LoraModel.Attach(model, new LoraOptions { TargetModules = QloraTargets() }, 0); break;
        case "loreft": ReftAttach.Attach(model, new ReftOptions { Method = ReftMethod.Loreft }, 0); break;
        case "linear_probe": classify = new ClassifyObjective(HeadModel.Attach(model, new HeadOptions(), ["a", "b"], 0)); break;
    }
    var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
    using var optimizer = new AdamW(trainable, AdamW.DefaultDecayFilter);

    for (int step = 0; step < Steps; step++)
    {
        using var scope = NewDisposeScope();
        var ids = randint(0, config.VocabSize, [batchSize, seqLen], dtype: ScalarType.Int64);   // [b, s]
        // The first half of each row is the prompt (label -100), as ReFT's positions need.
        var labels = ids.clone();
        labels[.., ..(seqLen / 2)] = tensor(Batch.IgnoreIndex);
        Tensor loss;
        if (classify is not null)
        {
            // The product's classify path: class 0 on each row's last token, every other label ignored.
            var classes = full_like(ids, Batch.IgnoreIndex);
            classes[.., -1] = tensor(0L);
            using var batch = new Batch(ids, classes, arange(seqLen).expand(batchSize, seqLen), ones_like(ids));
            loss = classify.LossSum(model, batch);
        }
        else
        {
            using var batch = new Batch(ids, labels, arange(seqLen).expand(batchSize, seqLen), ones_like(ids));
            using var positions = mechanism == "loreft" ? PromptPositions.FromBatch(batch) : null;
            // The product's language-model loss, which frees the logits once the loss is formed.
            using (var logits = model.Forward(ids, promptPositions: positions))                   // [b, s, vocab]
                loss = CausalLmLoss.Sum(logits, labels);
        }
        loss.backward();
        optimizer.Step(1e-4, 0.0);
        optimizer.ZeroGrad();
    }
}

static string[] QloraTargets() => ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

static long StatusKiB(string field)
{
    var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
}

static ModelConfig RandomConfig() => new()
{
    Architecture = "LlamaForCausalLM",
    ModelType = "llama",
    HiddenSize = 512,
    IntermediateSize = 1376,
    NumHiddenLayers = 8,
    NumAttentionHeads = 8,
    NumKeyValueHeads = 4,
    HeadDim = 64,
    VocabSize = 32000,
    MaxPositionEmbeddings = 512,
    TieWordEmbeddings = false,
};
