using static TorchSharp.torch;

namespace SharpTune.Models.Safetensors;

/// <summary>One tensor's entry in a safetensors header, after validation.</summary>
/// <param name="Name">Tensor name, e.g. <c>model.embed_tokens.weight</c>.</param>
/// <param name="Dtype">Dtype string as the header spells it, e.g. <c>F32</c> or <c>BF16</c>.</param>
/// <param name="Shape">Dimensions, outermost first. Empty for a scalar.</param>
/// <param name="Begin">Start of the data in bytes, counted from the first byte after the header.</param>
/// <param name="End">End of the data in bytes (exclusive), counted the same way.</param>
public sealed record SafetensorsTensorInfo(string Name, string Dtype, IReadOnlyList<long> Shape, long Begin, long End)
{
    /// <summary>Size of the tensor's data in bytes.</summary>
    public long ByteLength => End - Begin;

    /// <summary>The matching TorchSharp type, or null for dtypes TorchSharp 0.107 lacks (FP8, FP4, U16, U32, U64).</summary>
    public ScalarType? ScalarType =>
        SafetensorsDtype.TryGet(Dtype, out var entry) ? entry.ScalarType : null;
}
