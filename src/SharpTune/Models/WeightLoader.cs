using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>Copies checkpoint tensors into a module's parameters by name, converting dtype and device.</summary>
public static class WeightLoader
{
    /// <summary>
    /// Loads every parameter of <paramref name="module"/> from <paramref name="source"/>.
    /// A missing name or a shape mismatch is an error naming the checkpoint; names the module does not use
    /// (for example a tied <c>lm_head.weight</c> copy) are logged and skipped.
    /// </summary>
    public static void Load(nn.Module module, ITensorSource source, ILogger? logger = null, Func<string, string>? mapName = null)
    {
        logger ??= NullLogger.Instance;
        mapName ??= name => name;
        var used = new HashSet<string>();

        using (no_grad())
        {
            foreach (var (name, parameter) in module.named_parameters())
            {
                var stored = mapName(name);
                if (!source.Contains(stored))
                    throw SharpTuneInputException.At(source.Description, null, stored,
                        "tensor missing from the checkpoint; the checkpoint does not match config.json");
                using var tensor = source.GetTensor(stored);
                if (!tensor.shape.SequenceEqual(parameter.shape))
                    throw SharpTuneInputException.At(source.Description, null, stored,
                        $"shape [{string.Join(", ", tensor.shape)}] does not match the model's [{string.Join(", ", parameter.shape)}]; the checkpoint does not match config.json");
                parameter.copy_(tensor);
                used.Add(stored);
            }
        }

        var unused = source.Names.Where(n => !used.Contains(n)).ToList();
        if (unused.Count > 0)
            logger.LogInformation("Skipped {Count} checkpoint tensors the model does not use: {Names}",
                unused.Count, string.Join(", ", unused.Take(5)));
    }
}
