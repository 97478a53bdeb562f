using System.Buffers.Binary;
using System.Text;

namespace SharpTune.Export;

/// <summary>One vocabulary entry of a SentencePiece model.</summary>
/// <param name="Piece">The token text, with "▁" for a space.</param>
/// <param name="Score">The piece's log probability (unigram) or its negated merge rank (BPE).</param>
/// <param name="Type">SentencePiece's piece type: 1 normal, 2 unknown, 3 control, 4 user defined, 5 unused, 6 byte.
/// GGUF's <c>tokenizer.ggml.token_type</c> uses the same numbers.</param>
public sealed record SentencePiece(string Piece, float Score, int Type);

/// <summary>
/// Reads the vocabulary of a SentencePiece <c>.model</c> file, a protobuf <c>ModelProto</c> whose field 1 repeats
/// <c>SentencePiece { string piece = 1; float score = 2; Type type = 3 [default = NORMAL]; }</c>
/// (sentencepiece_model.proto). The trainer and normalizer settings are skipped.
/// </summary>
public static class SentencePieceModel
{
    public const int Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6;

    /// <summary>Returns the pieces of <paramref name="path"/> in id order.</summary>
    public static IReadOnlyList<SentencePiece> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var pieces = new List<SentencePiece>();
        int position = 0;
        try
        {
            while (position < bytes.Length)
            {
                var (field, wire) = ReadTag(bytes, ref position);
                if (field == 1 && wire == 2)
                {
                    int length = (int)ReadVarint(bytes, ref position);
                    pieces.Add(ReadPiece(bytes.AsSpan(position, length)));
                    position += length;
                }
                else
                    Skip(bytes, ref position, wire);
            }
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or InvalidDataException)
        {
            throw SharpTuneInputException.At(path, null, null, $"not a valid SentencePiece model ({e.Message}); pass the tokenizer.model file of the model");
        }
        if (pieces.Count == 0)
            throw SharpTuneInputException.At(path, null, "pieces", "the SentencePiece model has no vocabulary; pass the tokenizer.model file of the model");
        return pieces;
    }

    static SentencePiece ReadPiece(ReadOnlySpan<byte> message)
    {
        var piece = "";
        float score = 0;
        int type = Normal;
        int position = 0;
        var bytes = message.ToArray();
        while (position < bytes.Length)
        {
            var (field, wire) = ReadTag(bytes, ref position);
            switch (field, wire)
            {
                case (1, 2):
                    int length = (int)ReadVarint(bytes, ref position);
                    piece = Encoding.UTF8.GetString(bytes, position, length);
                    position += length;
                    break;
                case (2, 5):
                    score = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(position, 4));
                    position += 4;
                    break;
                case (3, 0):
                    type = (int)ReadVarint(bytes, ref position);
                    break;
                default:
                    Skip(bytes, ref position, wire);
                    break;
            }
        }
        return new SentencePiece(piece, score, type);
    }

    static (int Field, int Wire) ReadTag(byte[] bytes, ref int position)
    {
        ulong tag = ReadVarint(bytes, ref position);
        return ((int)(tag >> 3), (int)(tag & 7));
    }

    static ulong ReadVarint(byte[] bytes, ref int position)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = bytes[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return value;
        }
        throw new InvalidDataException("varint longer than 10 bytes");
    }

    static void Skip(byte[] bytes, ref int position, int wire)
    {
        switch (wire)
        {
            case 0: ReadVarint(bytes, ref position); break;
            case 1: position += 8; break;
            case 2:
                int length = (int)ReadVarint(bytes, ref position);
                position += length;
                break;
            case 5: position += 4; break;
            default: throw new InvalidDataException($"unsupported protobuf wire type {wire}");
        }
        if (position > bytes.Length)
            throw new InvalidDataException("field runs past the end of the file");
    }
}
