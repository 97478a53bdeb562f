using SharpTune.Models.Llama;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Reft;

/// <summary>
/// The interventions of one ReFT mechanism, one per chosen layer, and the hook that applies them to the
/// model's residual stream at the chosen positions. Positions count real prompt tokens only: the first
/// <see cref="ReftOptions.FirstPositions"/> and the last <see cref="ReftOptions.LastPositions"/> of each row
/// (a token in both sets is edited once). BREP instead edits every prompt token and the first
/// <see cref="ReftOptions.GeneratedPositions"/> tokens after the prompt.
/// </summary>
public sealed class ReftModel : nn.Module, IHiddenStateHook
{
    /// <summary>Interventions by layer index, as text so that parameter names read <c>interventions.3.…</c>.</summary>
    public ModuleDict<ReftIntervention> interventions;

    readonly SortedDictionary<int, ReftIntervention> byLayer = new();

    public ReftOptions Options { get; }

    public ReftModel(ReftOptions options, int layerCount, long hidden, ScalarType dtype) : base(nameof(ReftModel))
    {
        Options = options;
        interventions = new ModuleDict<ReftIntervention>();
        foreach (var layer in options.LayersOf(layerCount))
        {
            byLayer[layer] = ReftIntervention.Create(options, hidden, dtype);
            interventions.Add(layer.ToString(System.Globalization.CultureInfo.InvariantCulture), byLayer[layer]);
        }
        RegisterComponents();
    }

    /// <summary>The intervention at each layer, in layer order.</summary>
    public IReadOnlyDictionary<int, ReftIntervention> ByLayer => byLayer;

    /// <summary>True while the interventions are switched off, so the model computes as its frozen base.</summary>
    public bool Disabled { get; private set; }

    /// <summary>
    /// Switches off the ReFT interventions of <paramref name="model"/> until the returned scope is disposed, as
    /// LoRA's adapter disable does; a model without ReFT, or with ReFT already off, is left as it is.
    /// </summary>
    public static IDisposable DisableInterventions(LlamaForCausalLM model) =>
        new DisabledScope(model.model.HiddenStateHook is ReftModel { Disabled: false } reft ? reft : null);

    public Tensor AfterLayer(int layer, Tensor hidden, PromptPositions? positions)
    {
        if (Disabled || !byLayer.TryGetValue(layer, out var intervention))
            return hidden;
        if (positions is null)
            throw new InvalidOperationException(
                "ReFT interventions need prompt positions; pass promptPositions to Forward (PromptPositions.FromBatch or ForPrompt).");

        using var scope = NewDisposeScope();
        var selected = Selected(positions);                                          // [b, s] bool
        Tensor edited;
        if (intervention is DiiIntervention dii)
        {
            var (source, hasSource) = AlignSource(dii.SourceStates.to(hidden.dtype).to(hidden.device), positions);
            selected = selected & hasSource;
            edited = dii.Apply(hidden, source);
        }
        else
        {
            edited = intervention.Apply(hidden);
        }
        return where(selected.unsqueeze(-1), edited, hidden).MoveToOuterDisposeScope();   // [b, s, hidden]
    }

    /// <summary>Returns the mask <c>[batch, seq]</c> of intervened tokens.</summary>
    public Tensor Selected(PromptPositions positions)
    {
        using var scope = NewDisposeScope();
        Tensor mask;
        if (Options.Method == ReftMethod.Brep)
        {
            var response = positions.ResponseIndex;
            mask = positions.FromStart.ge(0) | (response.ge(0) & response.lt(Options.GeneratedPositions));
        }
        else
        {
            var first = positions.FromStart.ge(0) & positions.FromStart.lt(Options.FirstPositions);
            var last = positions.FromEnd.ge(0) & positions.FromEnd.lt(Options.LastPositions);
            mask = first | last;
        }
        return mask.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Gathers, for each base token, the source state at the matching source token: the i-th prompt token from
    /// the start (i below <see cref="ReftOptions.FirstPositions"/>) takes source token i, and any other prompt token,
    /// j-th from the end, takes source token <c>source_len − 1 − j</c>.
    /// Returns the states <c>[b, s, hidden]</c> and a mask of tokens that have a source token.
    /// </summary>
    (Tensor Source, Tensor HasSource) AlignSource(Tensor states, PromptPositions positions)
    {
        using var scope = NewDisposeScope();
        long length = states.shape[0];
        var fromStart = positions.FromStart;
        var fromEnd = positions.FromEnd;
        var index = where(fromStart.lt(Options.FirstPositions), fromStart, length - 1 - fromEnd);      // [b, s]
        var hasSource = fromStart.ge(0) & index.ge(0) & index.lt(length);
        if (length == 0)
            return (zeros(fromStart.shape[0], fromStart.shape[1], states.shape[1], dtype: states.dtype, device: states.device)
                .MoveToOuterDisposeScope(), hasSource.MoveToOuterDisposeScope());
        var source = states.index_select(0, index.clamp(0, length - 1).flatten())
            .reshape(fromStart.shape[0], fromStart.shape[1], states.shape[1]);                          // [b, s, hidden]
        return (source.MoveToOuterDisposeScope(), hasSource.MoveToOuterDisposeScope());
    }

    sealed class DisabledScope : IDisposable
    {
        readonly ReftModel? reft;

        public DisabledScope(ReftModel? reft)
        {
            this.reft = reft;
            if (reft is not null)
                reft.Disabled = true;
        }

        public void Dispose()
        {
            if (reft is not null)
                reft.Disabled = false;
        }
    }
}
