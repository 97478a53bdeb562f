using System.Text;

namespace SharpTune.Models.Safetensors;

/// <summary>
/// Orders strings by their UTF-8 bytes, which is code point order, as Rust's <c>str</c> and Python's <c>sorted</c> do.
/// <see cref="StringComparer.Ordinal"/> compares UTF-16 units and differs for characters above U+FFFF.
/// </summary>
internal sealed class Utf8Ordinal : IComparer<string>
{
    internal static readonly Utf8Ordinal Instance = new();

    public int Compare(string? x, string? y) =>
        Encoding.UTF8.GetBytes(x ?? "").AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y ?? ""));
}
