using SharpTune.Models.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Reft;

/// <summary>Attaches a ReFT mechanism to a model: frozen weights, interventions registered as <c>model.reft</c>.</summary>
public static class ReftAttach
{
    /// <summary>
    /// Freezes every model parameter, adds the interventions as the trainable submodule <c>model.reft</c>, sets
    /// them as the model's hidden-state hook and, for DII, runs the source prompt through the frozen model.
    /// Initial values are drawn from <paramref name="seed"/>; the global generator is restored afterwards.
    /// </summary>
    public static ReftModel Attach(LlamaForCausalLM model, ReftOptions options, long seed)
    {
        var config = model.Config;
        Validate(options, config.NumHiddenLayers, config.HiddenSize);
        if (model.model.HiddenStateHook is not null)
            throw new InvalidOperationException("The model already has a hidden-state hook; attach one ReFT mechanism per model.");

        foreach (var parameter in model.parameters())
            parameter.requires_grad = false;

        ReftModel reft;
        using (var saved = torch.random.get_rng_state())
        {
            torch.random.manual_seed(seed);
            reft = new ReftModel(options, config.NumHiddenLayers, config.HiddenSize, model.DType);
            torch.random.set_rng_state(saved);
        }
        reft.to(model.Device);
        model.model.register_module("reft", reft);
        foreach (var parameter in reft.parameters())
            parameter.requires_grad = true;

        if (options.Method == ReftMethod.Dii)
            SetSource(model, reft, options.SourceIds!);
        model.model.HiddenStateHook = reft;
        return reft;
    }

    /// <summary>
    /// Runs <paramref name="sourceIds"/> through the model without interventions and stores each intervened
    /// layer's output as the DII source states, so later forwards interchange with this source prompt.
    /// </summary>
    public static void SetSource(LlamaForCausalLM model, ReftModel reft, IReadOnlyList<long> sourceIds)
    {
        if (sourceIds.Count == 0)
            throw new ArgumentException("The DII source prompt must contain at least one token.", nameof(sourceIds));
        using var recorder = new Recorder();
        var previous = model.model.HiddenStateHook;
        bool wasTraining = model.training;
        model.model.HiddenStateHook = recorder;
        model.eval();
        try
        {
            using var guard = no_grad();
            using var scope = NewDisposeScope();
            var input = tensor(sourceIds.ToArray(), dtype: ScalarType.Int64, device: model.Device).unsqueeze(0);   // [1, source_len]
            model.model.Forward(input, null, null, null);
            foreach (var (layer, intervention) in reft.ByLayer)
                ((DiiIntervention)intervention).SetSourceStates(recorder.States[layer][0]);                      // [source_len, hidden]
        }
        finally
        {
            model.model.HiddenStateHook = previous;
            model.train(wasTraining);
        }
    }

    static void Validate(ReftOptions options, int layerCount, long hidden)
    {
        foreach (var layer in options.Layers ?? [])
            if (layer < 0 || layer >= layerCount)
                throw new SharpTuneInputException(
                    $"reft.layers: layer {layer} does not exist; this model has layers 0 to {layerCount - 1}");
        if (options.Layers is { Count: 0 })
            throw new SharpTuneInputException("reft.layers: the list is empty; name at least one layer or remove the key for every layer");
        if (options.Layers is not null && options.Layers.Distinct().Count() != options.Layers.Count)
            throw new SharpTuneInputException("reft.layers: a layer is listed twice; list each layer once");
        if (options.Method != ReftMethod.Brep && (options.R < 1 || options.R > hidden))
            throw new SharpTuneInputException($"reft.r: {options.R} is out of range; set a whole number from 1 to the hidden size {hidden}");
        if (options.Method != ReftMethod.Brep && options.FirstPositions + options.LastPositions == 0)
            throw new SharpTuneInputException("reft.first_positions, reft.last_positions: both are 0, so nothing would be intervened; set at least one above 0");
        if (options.Method == ReftMethod.Dii && options.SourceIds is not { Count: > 0 })
            throw new SharpTuneInputException("reft.source_prompt: DII needs a source prompt; set reft.source_prompt to the text whose subspace the interventions copy");
    }

    /// <summary>A hook that stores each layer's output and changes nothing.</summary>
    sealed class Recorder : IHiddenStateHook, IDisposable
    {
        public Dictionary<int, Tensor> States { get; } = new();

        public void Dispose()
        {
            foreach (var state in States.Values)
                state.Dispose();
        }

        public Tensor AfterLayer(int layer, Tensor hidden, PromptPositions? positions)
        {
            // The forward's dispose scope frees its intermediates, so keep a copy outside any scope.
            var copy = hidden.detach().clone();
            copy.DetachFromDisposeScope();
            States[layer] = copy;
            return hidden;
        }
    }
}
