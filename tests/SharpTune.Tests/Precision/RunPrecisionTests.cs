using SharpTune.Precision;
using SharpTune.Recipes;
using SharpTune.Tests.Recipes;
using static TorchSharp.torch;

namespace SharpTune.Tests.Precision;

/// <summary>How <c>precision</c> and <c>mechanism</c> pick the compute dtype and the 4-bit base.</summary>
public sealed class RunPrecisionTests
{
    [Theory]
    [InlineData(PrecisionKind.Fp32, ScalarType.Float32)]
    [InlineData(PrecisionKind.Bf16, ScalarType.BFloat16)]
    [InlineData(PrecisionKind.Fp16, ScalarType.Float16)]
    [InlineData(PrecisionKind.Nf4, ScalarType.Float32)]
    [InlineData(PrecisionKind.Fp4, ScalarType.Float32)]
    public void ComputeDtype_PerPrecision(PrecisionKind precision, ScalarType expected)
    {
        Assert.Equal(expected, RunPrecision.ComputeDtype(precision));
    }

    [Theory]
    [InlineData(PrecisionKind.Bf16, MechanismKind.Qlora, FourBitType.Nf4)]
    [InlineData(PrecisionKind.Fp4, MechanismKind.Qlora, FourBitType.Fp4)]
    [InlineData(PrecisionKind.Nf4, MechanismKind.Lora, FourBitType.Nf4)]
    [InlineData(PrecisionKind.Nf4, MechanismKind.Loreft, FourBitType.Nf4)]
    public void BaseType_FourBit(PrecisionKind precision, MechanismKind mechanism, FourBitType expected)
    {
        Assert.Equal(expected, RunPrecision.BaseType(precision, mechanism));
    }

    [Theory]
    [InlineData(PrecisionKind.Fp32, MechanismKind.Lora)]
    [InlineData(PrecisionKind.Bf16, MechanismKind.Full)]
    public void BaseType_FullPrecision(PrecisionKind precision, MechanismKind mechanism)
    {
        Assert.Null(RunPrecision.BaseType(precision, mechanism));
    }

    [Theory]
    [InlineData(PrecisionKind.Int8, MechanismKind.Qlora, "int8")]
    [InlineData(PrecisionKind.Int8, MechanismKind.Lora, "int8")]
    [InlineData(PrecisionKind.Fp32, MechanismKind.Qlora, "nf4")]
    [InlineData(PrecisionKind.Fp4, MechanismKind.Lora, "fp4")]
    public void Base_NamesTheStoredFormat(PrecisionKind precision, MechanismKind mechanism, string expected)
    {
        Assert.Equal(expected, RunPrecision.Base(precision, mechanism)?.Name);
    }

    [Fact]
    public void Recipe_RejectsInt8WithFull()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal.Replace("mechanism: lora", "mechanism: full") + "\nprecision: int8");

        Assert.Equal("recipe.yaml:7: precision: 'int8' stores the base weights in 8 bits, which mechanism full would update; use mechanism qlora, or precision fp32 or bf16", message);
    }

    [Fact]
    public void Recipe_RejectsNf4WithFull()
    {
        var message = RecipeText.ErrorOf(RecipeText.Minimal.Replace("mechanism: lora", "mechanism: full") + "\nprecision: nf4");

        Assert.Equal("recipe.yaml:7: precision: 'nf4' stores the base weights in 4 bits, which mechanism full would update; use mechanism qlora, or precision fp32 or bf16", message);
    }

    [Fact]
    public void Recipe_ParsesQlora()
    {
        var recipe = RecipeText.Parse(RecipeText.Minimal.Replace("mechanism: lora", "mechanism: qlora") + "\nprecision: bf16");

        Assert.Equal(MechanismKind.Qlora, recipe.Mechanism);
    }
}
