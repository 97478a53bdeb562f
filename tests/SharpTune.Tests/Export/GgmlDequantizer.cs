using System.Buffers.Binary;
using SharpTune.Export;
using SharpTune.Models.Llama;
using static TorchSharp.torch;

namespace SharpTune.Tests.Export;

/// <summary>
/// Decodes ggml blocks as ggml's dequantize_row_q8_0 / q4_0 do (x = d * q, and x = d * (q - 8) for 4-bit codes),
/// written apart from the encoder so that a test can hand SharpTune the weights that llama.cpp computes with.
/// </summary>
static class GgmlDequantizer
{
    public static float[] Decode(byte[] bytes, GgmlType type, int count)
    {
        var values = new float[count];
        switch (type)
        {
            case GgmlType.F16:
                for (int i = 0; i < count; i++)
                    values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(2 * i));
                break;
            case GgmlType.Q8_0:
                for (int i = 0; i < count; i++)
                {
                    int block = i / 32;
                    float d = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(34 * block));
                    values[i] = d * (sbyte)bytes[34 * block + 2 + i % 32];
                }
                break;
            case GgmlType.Q4_0:
                for (int i = 0; i < count; i++)
                {
                    int block = i / 32, j = i % 32;
                    float d = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(18 * block));
                    byte packed = bytes[18 * block + 2 + j % 16];
                    int code = j < 16 ? packed & 0x0F : packed >> 4;
                    values[i] = d * (code - 8);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, null);
        }
        return values;
    }

    /// <summary>Rounds every matrix of <paramref name="model"/> through <paramref name="type"/> (f16 where rows do not split into blocks), as the GGUF export stores it.</summary>
    public static void RoundTrip(LlamaForCausalLM model, GgmlType type)
    {
        using var guard = no_grad();
        foreach (var (_, parameter) in model.CheckpointTensors())
        {
            if (parameter.dim() != 2)
                continue;
            var stored = GgmlQuantizer.Fits(type, parameter.shape[1]) ? type : GgmlType.F16;
            var values = parameter.data<float>().ToArray();
            var decoded = Decode(GgmlQuantizer.Encode(values, stored), stored, values.Length);
            using var replacement = tensor(decoded).reshape(parameter.shape);
            parameter.copy_(replacement);
        }
    }
}
