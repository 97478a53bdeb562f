using SharpTune.Mechanisms.Adapters;
using SharpTune.Mechanisms.BitFit;
using SharpTune.Mechanisms.DiffPruning;
using SharpTune.Mechanisms.Heads;
using SharpTune.Mechanisms.Prefix;
using SharpTune.Mechanisms.SubTuning;

namespace SharpTune.Mechanisms;

/// <summary>The artifact loaders of SharpTune's own mechanisms, registered with <see cref="AdapterFolder"/> before its first use.</summary>
internal static class MechanismCatalog
{
    public static void RegisterBuiltIns()
    {
        AdapterFolder.Register(BitFitModel.Name, BitFitModel.Load);
        AdapterFolder.Register(AdapterModel.Name, AdapterModel.Load);
        AdapterFolder.Register(HeadModel.Name, HeadModel.Load);
        AdapterFolder.Register(PrefixModel.Name, PrefixModel.Load);
        AdapterFolder.Register(SubTuningModel.Name, SubTuningModel.Load);
        AdapterFolder.Register(DiffPruningModel.Name, DiffPruningModel.Load);
    }
}
