using System.Buffers.Binary;
using System.Text;

namespace SharpTune.Runtime;

/// <summary>
/// Marks one symbol-version requirement of an ELF64 little-endian shared object as weak
/// (sets <c>VER_FLG_WEAK</c> on its <c>Vernaux</c> entry in <c>.gnu.version_r</c>).
/// </summary>
/// <remarks>
/// glibc's loader refuses a library whose required version is missing from a dependency,
/// unless that requirement is weak; then it loads and only a symbol bound to that version
/// fails, and only when it is resolved. Layouts follow the System V gABI and the LSB
/// "Symbol Versioning" chapter: Elf64_Shdr is 64 bytes, Elf64_Verneed and Elf64_Vernaux 16 each.
/// </remarks>
public static class ElfVersionPatcher
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlagWeak = 0x2;

    /// <summary>
    /// Sets the weak flag on every requirement named <paramref name="versionName"/>.
    /// Returns how many entries changed (0 when absent or already weak).
    /// </summary>
    public static int MarkVersionWeak(byte[] elf, string versionName)
    {
        int changed = 0;
        foreach (var aux in FindVersionRequirements(elf, versionName))
        {
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(aux + 4));
            if ((flags & VerFlagWeak) != 0)
                continue;
            BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(aux + 4), (ushort)(flags | VerFlagWeak));
            changed++;
        }
        return changed;
    }

    /// <summary>Lists (needed file, version name, flags) for every requirement in <c>.gnu.version_r</c>.</summary>
    public static IReadOnlyList<(string File, string Version, ushort Flags)> ListRequirements(byte[] elf)
    {
        var result = new List<(string, string, ushort)>();
        Walk(elf, (file, version, auxOffset) =>
            result.Add((file, version, BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(auxOffset + 4)))));
        return result;
    }

    static List<int> FindVersionRequirements(byte[] elf, string versionName)
    {
        var offsets = new List<int>();
        Walk(elf, (_, version, auxOffset) => { if (version == versionName) offsets.Add(auxOffset); });
        return offsets;
    }

    static void Walk(byte[] elf, Action<string, string, int> visit)
    {
        var span = elf.AsSpan();
        if (elf.Length < 64 || span[0] != 0x7f || span[1] != (byte)'E' || span[2] != (byte)'L' || span[3] != (byte)'F')
            throw new InvalidDataException("Not an ELF file.");
        if (span[4] != 2 || span[5] != 1)
            throw new InvalidDataException("Only 64-bit little-endian ELF files are supported.");

        long sectionTable = BinaryPrimitives.ReadInt64LittleEndian(span[0x28..]);
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);

        for (int i = 0; i < count; i++)
        {
            var header = span.Slice(checked((int)(sectionTable + (long)i * entrySize)), entrySize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != ShtGnuVerneed)
                continue;

            long sectionOffset = BinaryPrimitives.ReadInt64LittleEndian(header[0x18..]);
            int stringSection = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]);
            var stringHeader = span.Slice(checked((int)(sectionTable + (long)stringSection * entrySize)), entrySize);
            long strings = BinaryPrimitives.ReadInt64LittleEndian(stringHeader[0x18..]);

            long need = sectionOffset;
            while (true)
            {
                int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(span[(int)(need + 2)..]);
                uint fileName = BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(need + 4)..]);
                uint firstAux = BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(need + 8)..]);
                uint nextNeed = BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(need + 12)..]);
                string file = ReadString(span, strings + fileName);

                long aux = need + firstAux;
                for (int j = 0; j < auxCount; j++)
                {
                    uint name = BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 8)..]);
                    visit(file, ReadString(span, strings + name), (int)aux);
                    uint nextAux = BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 12)..]);
                    if (nextAux == 0)
                        break;
                    aux += nextAux;
                }

                if (nextNeed == 0)
                    break;
                need += nextNeed;
            }
        }
    }

    static string ReadString(ReadOnlySpan<byte> span, long offset)
    {
        var tail = span[(int)offset..];
        int end = tail.IndexOf((byte)0);
        return Encoding.ASCII.GetString(tail[..end]);
    }
}
