using System.Text.Json;
using SharpTune.Models.Safetensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// A resumable snapshot in <c>checkpoint-STEP/</c>: trainable parameters, optimizer moments, trainer state and
/// the RNG state. The folder is written under a temporary name and renamed, so a crash never leaves a partial one.
/// </summary>
public static class Checkpoint
{
    const string ParametersFile = "trainable.safetensors";
    const string OptimizerFile = "optimizer.safetensors";
    const string RngFile = "rng_state.safetensors";
    const string StateFile = "trainer_state.json";

    public static string Save(string runDir, TrainerState state, IEnumerable<(string Name, Parameter Parameter)> trainable, AdamW optimizer)
    {
        var final = Path.Combine(runDir, $"checkpoint-{state.GlobalStep}");
        var temp = final + ".tmp";
        if (Directory.Exists(temp))
            Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);

        SafetensorsWriter.Save(Path.Combine(temp, ParametersFile), trainable.ToDictionary(p => p.Name, p => (Tensor)p.Parameter));
        SafetensorsWriter.Save(Path.Combine(temp, OptimizerFile), optimizer.StateTensors());
        using (var rng = torch.random.get_rng_state())
            SafetensorsWriter.Save(Path.Combine(temp, RngFile), new Dictionary<string, Tensor> { ["cpu"] = rng });
        File.WriteAllText(Path.Combine(temp, StateFile), JsonSerializer.Serialize(state, MetricsLog.Indented));

        if (Directory.Exists(final))
            Directory.Delete(final, recursive: true);
        Directory.Move(temp, final);
        return final;
    }

    /// <summary>Returns the checkpoint folder with the highest step in <paramref name="runDir"/>, or null.</summary>
    public static string? Latest(string runDir)
    {
        if (!Directory.Exists(runDir))
            return null;
        return Directory.GetDirectories(runDir, "checkpoint-*")
            .Select(d => (Dir: d, Ok: int.TryParse(Path.GetFileName(d)["checkpoint-".Length..], out var step), Step: step))
            .Where(c => c.Ok && File.Exists(Path.Combine(c.Dir, StateFile)))
            .OrderByDescending(c => c.Step)
            .Select(c => c.Dir)
            .FirstOrDefault();
    }

    /// <summary>Restores parameters, optimizer and RNG from <paramref name="dir"/> and returns the trainer state.</summary>
    public static TrainerState Restore(string dir, IEnumerable<(string Name, Parameter Parameter)> trainable, AdamW optimizer)
    {
        var state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(Path.Combine(dir, StateFile)))
            ?? throw new SharpTuneInputException($"{Path.Combine(dir, StateFile)}: empty trainer state; delete this checkpoint folder");

        using (var parameters = SafetensorsReader.Open(Path.Combine(dir, ParametersFile)))
        using (no_grad())
        {
            foreach (var (name, parameter) in trainable)
            {
                if (!parameters.Contains(name))
                    throw SharpTuneInputException.At(Path.Combine(dir, ParametersFile), null, name,
                        "parameter missing; the checkpoint was saved with another mechanism or model");
                using var saved = parameters.GetTensor(name);
                if (!saved.shape.SequenceEqual(parameter.shape))
                    throw SharpTuneInputException.At(Path.Combine(dir, ParametersFile), null, name,
                        $"saved shape [{string.Join(", ", saved.shape)}] differs from [{string.Join(", ", parameter.shape)}]; resume with the recipe settings the run started with (for example lora.r)");
                parameter.copy_(saved);
            }
        }

        using (var optimizerState = SafetensorsReader.Open(Path.Combine(dir, OptimizerFile)))
            optimizer.LoadState(name => optimizerState.Contains(name) ? optimizerState.GetTensor(name) : null, state.GlobalStep);

        using (var rng = SafetensorsReader.Open(Path.Combine(dir, RngFile)))
        using (var cpuState = rng.GetTensor("cpu"))
            torch.random.set_rng_state(cpuState);

        return state;
    }
}
