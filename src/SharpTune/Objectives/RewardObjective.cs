using SharpTune.Data;
using SharpTune.Mechanisms.Heads;
using SharpTune.Models.Llama;
using SharpTune.Models.Safetensors;
using SharpTune.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Objectives;

/// <summary>
/// A reward model: the backbone's final hidden state at each row's last real token, mapped to a scalar by a
/// linear value head without bias (as transformers' sequence-classification heads with one label). Trained with
/// the Bradley–Terry loss −log σ(r_chosen − r_rejected) on batches from
/// <see cref="Training.PreferenceBatchSource"/>, one loss term per pair.
/// </summary>
/// <remarks>
/// The last real token comes from the segment ids, never from the token ids, so left and right padding give the
/// same score and a pad id equal to EOS changes nothing.
/// </remarks>
public sealed class RewardObjective : ITrainingObjective
{
    /// <summary>Tensor name of the head's weight, in checkpoints and in the saved value head file.</summary>
    public const string ValueHeadWeight = "value_head.weight";

    /// <summary>The value head: weight <c>[1, hidden]</c>, checkpoint name <c>value_head.weight</c>.</summary>
    public Linear ValueHead { get; }

    public RewardObjective(long hiddenSize, ScalarType dtype, Device device)
    {
        // Zero weights score every response 0 at the start, so the first loss is exactly ln 2.
        ValueHead = nn.Linear(hiddenSize, 1, hasBias: false, dtype: dtype, device: device);
        using (no_grad())
            ValueHead.weight!.zero_();
    }

    public IEnumerable<(string Name, Parameter Parameter)> ExtraParameters => [(ValueHeadWeight, ValueHead.weight!)];

    /// <summary>Reads the head saved in <paramref name="path"/> into a new objective of float32 on <paramref name="device"/>.</summary>
    /// <exception cref="SharpTuneInputException">The file is missing or contains no <c>[1, hiddenSize]</c> weight.</exception>
    public static RewardObjective LoadValueHead(string path, long hiddenSize, Device device)
    {
        if (!File.Exists(path))
            throw SharpTuneInputException.At(path, null, null,
                "value head file not found; a run with objective: reward writes it beside adapter/ or model/");
        using var reader = SafetensorsReader.Open(path);
        if (!reader.Contains(ValueHeadWeight))
            throw SharpTuneInputException.At(path, null, ValueHeadWeight,
                $"missing; the file contains {string.Join(", ", reader.Names)}, so it is not a value head that sharptune train wrote");
        using var weight = reader.GetTensor(ValueHeadWeight);
        if (!weight.shape.SequenceEqual([1L, hiddenSize]))
            throw SharpTuneInputException.At(path, null, ValueHeadWeight,
                $"shape [{string.Join(", ", weight.shape)}] does not fit a model of hidden size {hiddenSize}; expected [1, {hiddenSize}], so pass the base model the reward model was trained on");

        var objective = new RewardObjective(hiddenSize, ScalarType.Float32, device);
        using (no_grad())
            objective.ValueHead.weight!.copy_(weight.to(ScalarType.Float32));
        return objective;
    }

    public long TermCount(Batch batch) => batch.InputIds.shape[0] / 2;

    public Tensor LossSum(LlamaForCausalLM model, Batch batch)
    {
        using var scope = NewDisposeScope();
        var (chosen, rejected) = Rewards(model, batch);
        return (-nn.functional.logsigmoid(chosen - rejected)).sum().MoveToOuterDisposeScope();
    }

    /// <summary>Returns the chosen and rejected rewards <c>[pairs]</c> of a preference batch.</summary>
    public (Tensor Chosen, Tensor Rejected) Rewards(LlamaForCausalLM model, Batch batch)
    {
        using var scope = NewDisposeScope();
        var scores = Scores(model, batch);                                            // [2 * pairs]
        var even = arange(0, scores.shape[0], 2, device: scores.device);
        return (scores.index_select(0, even).MoveToOuterDisposeScope(), scores.index_select(0, even + 1).MoveToOuterDisposeScope());
    }

    /// <summary>Returns one float32 reward per row, <c>[rows]</c>, for any batch of left- or right-padded rows.</summary>
    public Tensor Scores(LlamaForCausalLM model, Batch batch)
    {
        using var scope = NewDisposeScope();
        var device = model.Device;
        var segments = batch.SegmentIds.to(device);
        // The segment mask keeps left-padded rows from attending to their pads.
        using var positions = BatchForward.Positions(model, batch);
        var hidden = model.model.Forward(batch.InputIds.to(device), batch.PositionIds.to(device), segments, null, positions); // [b, s, hidden]
        var last = ClassificationHead.Pool(hidden, segments.ne(0), HeadPooling.Last);                            // [b, hidden]
        return ValueHead.forward(last).squeeze(-1).to(ScalarType.Float32).MoveToOuterDisposeScope();            // [b]
    }
}
