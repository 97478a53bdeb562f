using SharpTune.Mechanisms.Adapters;
using SharpTune.Mechanisms.BitFit;
using SharpTune.Mechanisms.Heads;

namespace SharpTune.Mechanisms;

/// <summary>The artifact loaders of SharpTune's own mechanisms, registered with <see cref="AdapterFolder"/> before its first use.</summary>
internal static class MechanismCatalog
{
    public static void RegisterBuiltIns()
    {
        AdapterFolder.Register(BitFitModel.Name, BitFitModel.Load);
        AdapterFolder.Register(AdapterModel.Name, AdapterModel.Load);
        AdapterFolder.Register(HeadModel.Name, HeadModel.Load);
    }
}
