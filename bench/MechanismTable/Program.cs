// Prints the trainable-parameter table of docs/mechanisms.md: each mechanism attached with its recipe defaults
// to stories260k and to a larger random-weight Llama configuration.
// Run: dotnet run --project bench/MechanismTable -- ../shared/models/stories260k
using SharpTune.Mechanisms.Adapters;
using SharpTune.Mechanisms.BitFit;
using SharpTune.Mechanisms.DiffPruning;
using SharpTune.Mechanisms.Heads;
using SharpTune.Mechanisms.Lora;
using SharpTune.Mechanisms.Prefix;
using SharpTune.Mechanisms.SubTuning;
using SharpTune.Models;
using SharpTune.Models.Llama;
using SharpTune.Training;
using static TorchSharp.torch;

SharpTune.Runtime.TorchRuntime.EnsureLoaded();

var stories = args.Length > 0 ? args[0] : Path.Combine("..", "shared", "models", "stories260k");
var larger = new ModelConfig
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
    TieWordEmbeddings = false,
};
string[] labels = ["-1", "0", "1", "2"];

var rows = new (string Name, Func<LlamaForCausalLM, string> Attach)[]
{
    ("full", _ => "all weights"),
    ("lora (r 8, q_proj v_proj)", m => { LoraModel.Attach(m, new LoraOptions(), 0); return "r 8"; }),
    ("lora (r 8, all linears)", m => { LoraModel.Attach(m, new LoraOptions { TargetModules = [.. SharpTune.Mechanisms.ProjectionTargets.AllLinear] }, 0); return "r 8"; }),
    ("dora (r 8, q_proj v_proj)", m => { LoraModel.Attach(m, new LoraOptions { UseDora = true }, 0); return "r 8"; }),
    ("bitfit", m => { BitFitModel.Attach(m, new BitFitOptions()); return "added zero biases"; }),
    ("subtuning (top_k 1)", m => { SubTuningModel.Unfreeze(m, [0]); return "one layer"; }),
    ("diff_pruning (sparsity 0.99)", m =>
    {
        var layers = DiffPruningModel.Attach(m, new DiffPruningOptions());
        long budget = layers.Sum(l => DiffPruningModel.Budget(l.Layer.diff_weight.numel(), 0.01));
        return $"dense δ; nonzero budget {budget:N0}";
    }),
    ("adapter (bottleneck 16)", m => { AdapterModel.Attach(m, new AdapterOptions(), 0); return "attention and MLP"; }),
    ("prefix (10 tokens)", m => { PrefixModel.Attach(m, new PrefixOptions(), 0); return "no projection"; }),
    ("linear_probe (4 classes)", m => { HeadModel.Attach(m, new HeadOptions(), labels, 0); return "backbone frozen"; }),
    ("mlp_head (2 layers)", m => { HeadModel.Attach(m, new HeadOptions { Kind = HeadKind.MlpHead }, labels, 0); return "backbone frozen"; }),
    ("projection_head", m => { HeadModel.Attach(m, new HeadOptions { Kind = HeadKind.ProjectionHead }, labels, 0); return "backbone frozen"; }),
};

Console.WriteLine("| mechanism | stories260k trainable | % | larger config trainable | % | note |");
Console.WriteLine("|---|---:|---:|---:|---:|---|");
foreach (var (name, attach) in rows)
{
    using var small = PretrainedModel.Load(stories, ScalarType.Float32, CPU);
    var note = attach(small);
    var smallCount = ParameterCount.Of(small);
    using var big = new LlamaForCausalLM(larger);
    attach(big);
    var bigCount = ParameterCount.Of(big);
    Console.WriteLine($"| {name} | {smallCount.Trainable:N0} | {smallCount.TrainablePercent:0.####} | {bigCount.Trainable:N0} | {bigCount.TrainablePercent:0.####} | {note} |");
}
