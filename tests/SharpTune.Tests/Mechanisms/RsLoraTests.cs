using SharpTune.Mechanisms.Lora;

namespace SharpTune.Tests.Mechanisms;

/// <summary>rsLoRA's scale and its round trip through PEFT's adapter_config.json.</summary>
public sealed class RsLoraTests
{
    [Fact]
    public void Scaling_IsAlphaOverSqrtRank()
    {
        // alpha 16, r 4: 16 / √4 = 8, where plain LoRA gives 16 / 4 = 4.
        Assert.Equal(8.0, new LoraOptions { R = 4, Alpha = 16, UseRsLora = true }.Scaling);
    }

    [Fact]
    public void PeftConfig_RoundTripsRsLoraAndDora()
    {
        var dir = TestPaths.NewTempDir("sharptune-rslora");
        try
        {
            var options = new LoraOptions { R = 4, Alpha = 16, UseRsLora = true, UseDora = true };
            File.WriteAllText(Path.Combine(dir, PeftAdapter.ConfigFile), PeftAdapter.ConfigJson(options, null).ToJsonString());
            var read = PeftAdapter.ReadOptions(dir);

            Assert.True(read.UseRsLora);
            Assert.True(read.UseDora);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
