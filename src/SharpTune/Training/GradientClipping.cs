using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>Gradient clipping by global L2 norm, as torch.nn.utils.clip_grad_norm_.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales the gradients so their global norm is at most <paramref name="maxNorm"/> (0 disables), and returns the
    /// norm before clipping, as transformers logs grad_norm.
    /// </summary>
    public static double ClipByGlobalNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        using var scope = NewDisposeScope();
        var grads = parameters.Select(p => p.grad).OfType<Tensor>().ToList();
        if (grads.Count == 0)
            return 0;
        var total = stack(grads.Select(g => g.to(ScalarType.Float32).pow(2).sum()).ToArray()).sum().sqrt();
        double norm = total.item<float>();
        if (maxNorm > 0 && norm > maxNorm)
        {
            double coefficient = maxNorm / (norm + 1e-6);
            using var guard = no_grad();
            foreach (var g in grads)
                g.mul_(coefficient);
        }
        return norm;
    }
}
