using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SharpTune.Planning;
using SharpTune.Planning.Presets;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune plan</c>: estimates training memory, checks it against devices and suggests a mechanism.</summary>
public static class PlanCommand
{
    static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static Command Create()
    {
        var model = new Option<string>("--model")
        {
            Description = $"Hugging Face model folder, its config.json, or a preset: {string.Join(", ", ModelPresets.Names)}.",
            Required = true,
        };
        var objective = Choice<PlanObjective>("--objective", "Training objective.", PlanObjective.Sft);
        var mechanism = Choice<PlanMechanism>("--mechanism", "Which parameters are trained.", PlanMechanism.Lora);
        var precision = new Option<string?>("--precision") { Description = "Base weight type: fp32, bf16, fp16 or nf4 (default bf16; nf4 for qlora)." };
        precision.AcceptOnlyFromAmong([.. Enum.GetValues<PlanPrecision>().Select(Recommender.Spell)]);
        var optimizer = Choice<PlanOptimizer>("--optimizer", "Optimizer whose state is counted.", PlanOptimizer.Adamw);
        var seqLen = new Option<int>("--seq-len") { Description = "Tokens per sequence.", DefaultValueFactory = _ => 512 };
        var batchSize = new Option<int>("--batch-size") { Description = "Sequences per micro-batch on each device.", DefaultValueFactory = _ => 1 };
        var checkpointing = new Option<bool>("--gradient-checkpointing") { Description = "Recompute layer activations in the backward pass." };
        var fusedAttention = new Option<bool>("--fused-attention") { Description = "Attention uses a fused kernel that does not save the attention probabilities." };
        var gpu = new Option<string?>("--gpu") { Description = "Device from the catalogue, e.g. rtx-4090, a100-80gb, h100, tpu-v4." };
        var vram = new Option<double?>("--vram") { Description = "Memory of one device in GiB, for a device not in the catalogue." };
        var gpuCount = new Option<int>("--gpu-count") { Description = "Devices that shard weights, gradients and optimizer states (ZeRO-3 / FSDP).", DefaultValueFactory = _ => 1 };
        var recommend = new Option<bool>("--recommend") { Description = "Suggest a mechanism and precision for the objective and device." };
        var goal = new Option<string?>("--goal") { Description = "What the tuning is for: chat, alignment, classifier or knowledge (default: from the objective)." };
        goal.AcceptOnlyFromAmong([.. Enum.GetValues<PlanGoal>().Select(Recommender.Spell)]);
        var data = new Option<string?>("--data") { Description = "JSONL data file whose token lengths are checked against --seq-len and the context window." };
        var loraR = new Option<int>("--lora-r") { Description = "LoRA rank.", DefaultValueFactory = _ => 8 };
        var loraAllLinear = new Option<bool>("--lora-all-linear") { Description = "Adapt every linear projection instead of q_proj and v_proj." };
        var numLabels = new Option<int>("--num-labels") { Description = "Classes of a classification head.", DefaultValueFactory = _ => 2 };
        var overhead = new Option<double>("--overhead-gb") { Description = "Fixed runtime memory per device in GiB (CUDA context, workspaces).", DefaultValueFactory = _ => 1.0 };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };

        var command = new Command("plan", "Estimate training memory, check it against GPUs, and recommend a mechanism and precision.")
        {
            model, objective, mechanism, precision, optimizer, seqLen, batchSize, checkpointing, fusedAttention, gpu, vram, gpuCount,
            recommend, goal, data, loraR, loraAllLinear, numLabels, overhead, json,
        };
        command.SetAction(CommandRunner.Guard(parse =>
        {
            var chosenMechanism = Parse<PlanMechanism>(parse.GetValue(mechanism)!);
            var chosenPrecision = parse.GetValue(precision) is string p
                ? Parse<PlanPrecision>(p)
                : chosenMechanism == PlanMechanism.Qlora ? PlanPrecision.Nf4 : PlanPrecision.Bf16;
            double overheadGiB = parse.GetValue(overhead);
            if (overheadGiB < 0)
                throw SharpTuneInputException.At(null, null, "--overhead-gb", $"{overheadGiB} is negative; pass 0 or more");

            var request = new PlanRequest
            {
                Model = ModelResolver.Resolve(parse.GetRequiredValue(model)),
                Objective = Parse<PlanObjective>(parse.GetValue(objective)!),
                Mechanism = chosenMechanism,
                Precision = chosenPrecision,
                Optimizer = Parse<PlanOptimizer>(parse.GetValue(optimizer)!),
                SeqLen = parse.GetValue(seqLen),
                BatchSize = parse.GetValue(batchSize),
                GradientCheckpointing = parse.GetValue(checkpointing),
                FusedAttention = parse.GetValue(fusedAttention),
                LoraR = Positive(parse.GetValue(loraR), "--lora-r"),
                LoraAllLinear = parse.GetValue(loraAllLinear) || chosenMechanism == PlanMechanism.Qlora,
                NumLabels = Positive(parse.GetValue(numLabels), "--num-labels"),
                DeviceCount = parse.GetValue(gpuCount),
                OverheadBytes = (long)(overheadGiB * (1L << 30)),
            };
            var device = Device(parse.GetValue(gpu), parse.GetValue(vram));
            var goalValue = parse.GetValue(goal) is string g ? Parse<PlanGoal>(g) : (PlanGoal?)null;
            var report = PlanReport.Build(request, device, parse.GetValue(recommend), goalValue, parse.GetValue(data));

            if (parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(report, JsonOptions));
            else
                PlanText.Write(Console.Out, report);
            return CommandRunner.Success;
        }));
        return command;
    }

    static Accelerator? Device(string? gpu, double? vram)
    {
        if (gpu is not null && vram is not null)
            throw SharpTuneInputException.At(null, null, "--vram", "pass either --gpu or --vram, not both");
        if (vram is double gib)
        {
            if (gib <= 0 || double.IsNaN(gib))
                throw SharpTuneInputException.At(null, null, "--vram", $"{gib.ToString(CultureInfo.InvariantCulture)} is not a positive memory size; pass GiB, e.g. --vram 24");
            return new Accelerator($"{gib.ToString(CultureInfo.InvariantCulture)} GiB device", gib, "custom");
        }
        return gpu is null ? null : GpuCatalog.Find(gpu);
    }

    static int Positive(int value, string option) => value >= 1 ? value
        : throw SharpTuneInputException.At(null, null, option, $"{value} is not a positive number; pass 1 or more");

    static Option<string> Choice<T>(string name, string description, T defaultValue) where T : struct, Enum
    {
        var allowed = Enum.GetValues<T>().Select(Recommender.Spell).ToArray();
        var option = new Option<string>(name)
        {
            Description = $"{description} One of {string.Join(", ", allowed)}.",
            DefaultValueFactory = _ => Recommender.Spell(defaultValue),
        };
        option.AcceptOnlyFromAmong(allowed);
        return option;
    }

    static T Parse<T>(string text) where T : struct, Enum =>
        Enum.GetValues<T>().First(v => string.Equals(Recommender.Spell(v), text, StringComparison.OrdinalIgnoreCase));
}
