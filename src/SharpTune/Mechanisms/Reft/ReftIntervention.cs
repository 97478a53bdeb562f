using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Reft;

/// <summary>One layer's intervention: a function of the hidden state at each intervened position.</summary>
public abstract class ReftIntervention : nn.Module
{
    protected ReftIntervention(string name) : base(name) { }

    /// <summary>Returns the edited hidden states <c>[batch, seq, hidden]</c> for every position; the caller keeps
    /// the edit only at the intervened positions.</summary>
    public abstract Tensor Apply(Tensor hidden);

    /// <summary>Creates the intervention for <paramref name="options"/> on a model with <paramref name="hidden"/> features.</summary>
    public static ReftIntervention Create(ReftOptions options, long hidden, ScalarType dtype) => options.Method switch
    {
        ReftMethod.Loreft => new LoreftIntervention(options.R, hidden, dtype),
        ReftMethod.Direft => new DireftIntervention(options.R, hidden, dtype),
        ReftMethod.Dii => new DiiIntervention(options.R, hidden, dtype),
        ReftMethod.Brep => new BrepIntervention(hidden, dtype),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Method, "unknown ReFT method"),
    };
}
