using static TorchSharp.torch;

namespace SharpTune.Models.Safetensors;

/// <summary>
/// The dtype names of the safetensors format, their element sizes and their TorchSharp scalar types.
/// </summary>
/// <remarks>
/// The table follows the <c>Dtype</c> enum of the Rust <c>safetensors</c> crate, whose declaration order is
/// increasing alignment. The writer sorts tensors by descending rank, then by name, as that crate does, so every
/// tensor's offset stays a multiple of its element size.
/// </remarks>
internal static class SafetensorsDtype
{
    /// <param name="Name">Dtype string as it appears in the header, e.g. <c>F32</c>.</param>
    /// <param name="Bits">Size of one element in bits.</param>
    /// <param name="Rank">Position in the Rust crate's enum, used to sort tensors when writing.</param>
    /// <param name="ScalarType">The TorchSharp type, or null when TorchSharp 0.107 has none.</param>
    internal sealed record Entry(string Name, int Bits, int Rank, ScalarType? ScalarType);

    static readonly Entry[] Entries =
    [
        new("BOOL", 8, 0, ScalarType.Bool),
        new("F4", 4, 1, null),
        new("F6_E2M3", 6, 2, null),
        new("F6_E3M2", 6, 3, null),
        new("U8", 8, 4, ScalarType.Byte),
        new("I8", 8, 5, ScalarType.Int8),
        new("F8_E5M2", 8, 6, null),
        new("F8_E4M3", 8, 7, null),
        new("F8_E8M0", 8, 8, null),
        new("F8_E4M3FNUZ", 8, 9, null),
        new("F8_E5M2FNUZ", 8, 10, null),
        new("I16", 16, 11, ScalarType.Int16),
        new("U16", 16, 12, null),
        new("F16", 16, 13, ScalarType.Float16),
        new("BF16", 16, 14, ScalarType.BFloat16),
        new("I32", 32, 15, ScalarType.Int32),
        new("U32", 32, 16, null),
        new("F32", 32, 17, ScalarType.Float32),
        new("C64", 64, 18, ScalarType.ComplexFloat32),
        new("F64", 64, 19, ScalarType.Float64),
        new("I64", 64, 20, ScalarType.Int64),
        new("U64", 64, 21, null),
    ];

    static readonly Dictionary<string, Entry> ByName = Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);

    static readonly Dictionary<ScalarType, Entry> ByScalarType = Entries
        .Where(e => e.ScalarType is not null)
        .ToDictionary(e => e.ScalarType!.Value);

    /// <summary>Dtype names that map to a TorchSharp type, for error messages.</summary>
    internal static string SupportedNames { get; } =
        string.Join(", ", Entries.Where(e => e.ScalarType is not null).Select(e => e.Name));

    internal static bool TryGet(string name, out Entry entry) => ByName.TryGetValue(name, out entry!);

    internal static bool TryGet(ScalarType type, out Entry entry) => ByScalarType.TryGetValue(type, out entry!);
}
