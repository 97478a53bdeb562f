namespace SharpTune.Planning;

/// <summary>An accelerator and its memory per device (one GPU, or one TPU chip).</summary>
/// <param name="Name">Canonical name, e.g. <c>a100-80gb</c>.</param>
/// <param name="MemoryGiB">Memory as the vendor lists it, read as GiB.</param>
/// <param name="Class">consumer, laptop, data-centre or tpu.</param>
public sealed record Accelerator(string Name, double MemoryGiB, string Class);

/// <summary>
/// The accelerators the planner checks a plan against, with vendor memory sizes.
/// </summary>
/// <remarks>
/// NOTE: vendors state memory in GB, and the catalogue reads each figure as GiB; the memory a driver leaves
/// usable can be a few percent lower, so a plan within a few percent of a card's size may still not fit.
/// </remarks>
public static class GpuCatalog
{
    public static IReadOnlyList<Accelerator> All { get; } =
    [
        new("rtx-3060", 12, "consumer"),
        new("rtx-4060-ti", 16, "consumer"),
        new("rtx-3090", 24, "consumer"),
        new("rtx-4090", 24, "consumer"),
        new("laptop-rtx-4070", 8, "laptop"),
        new("laptop-rtx-4090", 16, "laptop"),
        new("t4", 16, "data-centre"),
        new("v100-16gb", 16, "data-centre"),
        new("v100-32gb", 32, "data-centre"),
        new("a10", 24, "data-centre"),
        new("l4", 24, "data-centre"),
        new("a100-40gb", 40, "data-centre"),
        new("a100-80gb", 80, "data-centre"),
        new("h100", 80, "data-centre"),
        new("h200", 141, "data-centre"),
        new("tpu-v5e", 16, "tpu"),
        new("tpu-v4", 32, "tpu"),
    ];

    /// <summary>Finds an accelerator by name, ignoring case, spaces, hyphens and underscores (<c>RTX 4090</c>, <c>a100_80gb</c>).</summary>
    /// <exception cref="SharpTuneInputException">No such name; the message lists close names.</exception>
    public static Accelerator Find(string name)
    {
        var key = Normalize(name);
        var match = All.FirstOrDefault(a => Normalize(a.Name) == key)
            ?? All.FirstOrDefault(a => Normalize(a.Name) == "rtx" + key)
            ?? All.FirstOrDefault(a => Normalize(a.Name).StartsWith(key, StringComparison.Ordinal) && All.Count(b => Normalize(b.Name).StartsWith(key, StringComparison.Ordinal)) == 1);
        if (match is not null)
            return match;

        var close = All.Select(a => (a.Name, Distance: EditDistance(Normalize(a.Name), key)))
            .OrderBy(c => c.Distance).Take(3).Select(c => c.Name);
        throw SharpTuneInputException.At(null, null, "--gpu",
            $"unknown GPU '{name}'; close names: {string.Join(", ", close)}; pass one of those, or --vram GB for another card");
    }

    static string Normalize(string name) =>
        new string(name.Where(c => c is not (' ' or '-' or '_')).ToArray()).ToLowerInvariant();

    static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
            previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
