using SharpTune.Training;
using TorchSharp;
using Parameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch;

namespace SharpTune.Tests.Training;

public class AdamWTests
{
    [Fact]
    public void FirstStep_MovesByLearningRateTimesSign()
    {
        // After one step with bias correction, m/(sqrt(v)+eps) = g/(|g|+eps) ≈ sign(g), so w moves by -lr·sign(g).
        var parameter = new Parameter(tensor(new[] { 1.0f, -2.0f, 3.0f }));
        parameter.grad = tensor(new[] { 0.5f, -4.0f, 0.0f });
        using var optimizer = new AdamW([("w", parameter)], _ => true);

        optimizer.Step(lr: 0.1, weightDecay: 0.0);

        var values = parameter.data<float>().ToArray();
        Assert.Equal(0.9f, values[0], 5);
        Assert.Equal(-1.9f, values[1], 5);
        Assert.Equal(3.0f, values[2], 5);
    }

    [Fact]
    public void WeightDecay_IsDecoupledFromGradient()
    {
        // With a zero gradient only the decoupled decay acts: w ← w·(1 − lr·λ).
        var parameter = new Parameter(tensor(new[] { 2.0f }));
        parameter.grad = tensor(new[] { 0.0f });
        using var optimizer = new AdamW([("w", parameter)], _ => true);

        optimizer.Step(lr: 0.1, weightDecay: 0.5);

        Assert.Equal(2.0f * (1 - 0.05f), parameter.data<float>()[0], 6);
    }

    [Fact]
    public void SecondStep_MatchesHandComputation()
    {
        var parameter = new Parameter(tensor(new[] { 0.0f }));
        using var optimizer = new AdamW([("w", parameter)], _ => true);

        parameter.grad = tensor(new[] { 1.0f });
        optimizer.Step(lr: 0.01, weightDecay: 0);
        parameter.grad = tensor(new[] { 3.0f });
        optimizer.Step(lr: 0.01, weightDecay: 0);

        // m2 = 0.1·0.9·1 + 0.1·3 = 0.39 → m̂ = 0.39/0.19; v2 = 0.001·0.999·1 + 0.001·9 = 0.009999 → v̂ = 0.009999/0.001999.
        double mHat = 0.39 / (1 - 0.81);
        double vHat = 0.009999 / (1 - 0.998001);
        double expected = -0.01 - 0.01 * mHat / (Math.Sqrt(vHat) + 1e-8);
        Assert.Equal(expected, parameter.data<float>()[0], 5);
    }

    [Fact]
    public void Bf16Parameter_KeepsFloat32Master()
    {
        // 1 + 1e-4 is not representable in bf16 (spacing 2^-7 near 1), so without a master copy the steps vanish.
        var parameter = new Parameter(ones(1, dtype: ScalarType.BFloat16));
        using var optimizer = new AdamW([("w", parameter)], _ => true);
        for (int i = 0; i < 200; i++)
        {
            parameter.grad = -ones(1, dtype: ScalarType.BFloat16);
            optimizer.Step(lr: 1e-4, weightDecay: 0);
        }

        Assert.Equal(1.02f, parameter.to(ScalarType.Float32).item<float>(), 2);
    }
}
