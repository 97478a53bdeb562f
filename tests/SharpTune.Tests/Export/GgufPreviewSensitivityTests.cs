using SharpTune.Export;
using SharpTune.Generation;
using SharpTune.Models;
using SharpTune.Models.Llama;
using SharpTune.Tests.Generation;
using static TorchSharp.torch;

namespace SharpTune.Tests.Export;

/// <summary>
/// Why a q8_0 story cannot match llama.cpp's to the last token: rounding to 8-bit blocks turns a change in the
/// fifth decimal of one weight into a logit jump of tenths, where the float32 model moves by 1e-5.
/// </summary>
public class GgufPreviewSensitivityTests
{
    const double Nudge = 1e-5;

    // Logits of the f32 greedy story under the model as given and with one norm weight per layer scaled by 1 + 1e-5.
    static (float[] Plain, float[] Nudged) StoryLogits(GgmlType? preview)
    {
        using var model = PretrainedModel.Load(TestPaths.Stories260k, ScalarType.Float32, CPU);
        if (preview is GgmlType type)
            GgufPreview.Apply(model, type, GgufPreviewMode.LlamaCpp);
        var story = TextGenerator.Generate(model, GreedyGenerationTests.PromptIds, new GenerationOptions { MaxNewTokens = 512, StopIds = [2, 1] });
        var sequence = GreedyGenerationTests.PromptIds.Concat(story).ToArray();

        var plain = Logits(model, sequence);
        using (no_grad())
            foreach (var layer in model.model.layers)
                layer.input_layernorm.parameters().First()[0].mul_(1 + Nudge);
        return (plain, Logits(model, sequence));
    }

    static float[] Logits(LlamaForCausalLM model, long[] sequence)
    {
        using var guard = no_grad();
        using var logits = model.Forward(tensor(sequence).unsqueeze(0));
        return logits.data<float>().ToArray();
    }

    static float MaxDifference(float[] a, float[] b) => a.Zip(b).Max(p => MathF.Abs(p.First - p.Second));

    [Fact]
    public void F32_model_moves_smoothly()
    {
        var (plain, nudged) = StoryLogits(null);

        Assert.True(MaxDifference(plain, nudged) < 1e-4);
    }

    [Fact]
    public void Q8_0_preview_jumps()
    {
        var (plain, nudged) = StoryLogits(GgmlType.Q8_0);

        Assert.True(MaxDifference(plain, nudged) > 0.1);
    }
}
