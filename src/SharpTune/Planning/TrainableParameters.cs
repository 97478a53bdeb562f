namespace SharpTune.Planning;

/// <summary>Counts the parameters a mechanism trains, from the model's shape.</summary>
public static class TrainableParameters
{
    public static long Count(PlanRequest request)
    {
        var m = request.Model;
        long h = m.HiddenSize, i = m.IntermediateSize, layers = m.NumHiddenLayers;
        long mechanism = request.Mechanism switch
        {
            PlanMechanism.Full => m.TotalParameters,
            PlanMechanism.Lora or PlanMechanism.Qlora => layers * LoraPerLayer(request, withMagnitude: false),
            PlanMechanism.Dora => layers * LoraPerLayer(request, withMagnitude: true),
            // LoReFT: R [r, h], W [r, h], b [r]; DiReFT: W1 [r, h], W2 [r, h], b [r].
            PlanMechanism.Loreft or PlanMechanism.Direft => layers * (2L * request.ReftR * h + request.ReftR),
            // One bias per output feature of every projection: q, k, v, o, gate, up, down.
            PlanMechanism.Bitfit => layers * (m.QueryWidth + 2 * m.KeyValueWidth + h + 2 * i + h),
            PlanMechanism.LinearProbe => HeadParameters(request),
            _ => throw new ArgumentOutOfRangeException(nameof(request), request.Mechanism, null),
        };
        // A reward or classification head is trained with every mechanism; the probe already is that head.
        bool addsHead = request.Objective is PlanObjective.Reward or PlanObjective.Classify
            && request.Mechanism is not (PlanMechanism.LinearProbe or PlanMechanism.Full);
        return mechanism + (addsHead ? HeadParameters(request) : 0);
    }

    /// <summary>A linear head on the pooled hidden state: one output for a reward model, one per label for a classifier.</summary>
    public static long HeadParameters(PlanRequest request)
    {
        long outputs = request.Objective == PlanObjective.Reward ? 1 : request.NumLabels;
        return request.Model.HiddenSize * outputs + outputs;
    }

    static long LoraPerLayer(PlanRequest request, bool withMagnitude)
    {
        var m = request.Model;
        long h = m.HiddenSize, r = request.LoraR;
        // (in, out) of each target projection: A is [r, in], B is [out, r]; DoRA adds a magnitude per output row.
        var targets = new List<(long In, long Out)> { (h, m.QueryWidth), (h, m.KeyValueWidth) };
        if (request.LoraAllLinear)
        {
            targets.Add((h, m.KeyValueWidth));
            targets.Add((m.QueryWidth, h));
            targets.Add((h, m.IntermediateSize));
            targets.Add((m.IntermediateSize, h));
            if (m.Architecture == ArchitectureKind.Decoder)
                targets.Add((h, m.IntermediateSize));
        }
        return targets.Sum(t => r * (t.In + t.Out) + (withMagnitude ? t.Out : 0));
    }
}
