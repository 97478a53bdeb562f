using SharpTune.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Tests.Training;

/// <summary>Dynamic loss scaling: overflow detection, unscaling, backoff and growth.</summary>
public sealed class GradScalerTests
{
    static Parameter WithGrad(params float[] gradient)
    {
        var parameter = new Parameter(zeros(gradient.Length, dtype: ScalarType.Float16));
        parameter.grad = tensor(gradient).to(ScalarType.Float16);
        return parameter;
    }

    [Fact]
    public void Scale_StartsAt2To16()
    {
        Assert.Equal(65536.0, new GradScaler().Scale);
    }

    [Fact]
    public void Unscale_DividesByScale()
    {
        using var parameter = WithGrad(1024f, -8f);
        new GradScaler(1024).Unscale([parameter]);

        Assert.Equal([1f, -1f / 128], parameter.grad!.to(ScalarType.Float32).data<float>().ToArray());
    }

    [Theory]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    [InlineData(float.NaN)]
    public void Unscale_ReportsNonFinite(float bad)
    {
        using var clean = WithGrad(1f);
        using var overflowed = WithGrad(1f, bad);

        Assert.False(new GradScaler().Unscale([clean, overflowed]));
    }

    [Fact]
    public void Update_OverflowHalvesScale()
    {
        var scaler = new GradScaler();
        scaler.Update(finite: false);

        Assert.Equal(32768.0, scaler.Scale);
    }

    [Fact]
    public void Update_OverflowResetsCleanSteps()
    {
        var scaler = new GradScaler();
        for (int i = 0; i < 1999; i++)
            scaler.Update(finite: true);
        scaler.Update(finite: false);
        scaler.Update(finite: true);

        Assert.Equal(1, scaler.CleanSteps);
    }

    [Fact]
    public void Update_DoublesAfter2000CleanSteps()
    {
        var scaler = new GradScaler();
        for (int i = 0; i < 1999; i++)
            scaler.Update(finite: true);
        double before = scaler.Scale;
        scaler.Update(finite: true);

        Assert.Equal(65536.0, before);
        Assert.Equal(131072.0, scaler.Scale);
    }
}
