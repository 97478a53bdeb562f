namespace SharpTune.Recipes;

/// <summary>The recipe's key names, in dotted form for keys inside a section, and near-miss suggestions.</summary>
internal static class RecipeKeys
{
    public static readonly IReadOnlyList<string> Sections =
        ["data", "lora", "reft", "bitfit", "subtuning", "diff_pruning", "adapter", "prefix", "head", "dpo", "rl", "training"];

    /// <summary>Every leaf key in the order <see cref="RecipeWriter"/> writes them.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        "model", "from_scratch", "objective", "mechanism", "precision", "device", "output_dir",
        "data.train", "data.eval", "data.eval_fraction", "data.format", "data.max_length", "data.packing",
        "data.mask_history", "data.text_field", "data.label_field",
        "lora.r", "lora.alpha", "lora.dropout", "lora.target_modules", "lora.use_rslora", "lora.use_dora",
        "reft.layers", "reft.r", "reft.first_positions", "reft.last_positions", "reft.source_prompt",
        "reft.generated_positions", "reft.prefix_length", "reft.bias_target", "reft.kp", "reft.ki", "reft.kd",
        "bitfit.target_modules",
        "subtuning.top_k", "subtuning.calibration_examples",
        "diff_pruning.sparsity", "diff_pruning.target_modules", "diff_pruning.ramp_fraction",
        "adapter.bottleneck_size", "adapter.mh_adapter", "adapter.output_adapter", "adapter.non_linearity",
        "prefix.num_virtual_tokens", "prefix.prefix_projection", "prefix.encoder_hidden_size",
        "head.pooling", "head.hidden_size", "head.num_layers", "head.class_weights",
        "dpo.beta", "dpo.loss_type", "dpo.precompute_ref_log_probs", "dpo.simpo_gamma",
        "rl.algorithm", "rl.reward", "rl.reward_word", "rl.reward_length_unit", "rl.reward_target_length",
        "rl.reward_model", "rl.reward_model_base",
        "rl.rollout_batch_size", "rl.num_generations", "rl.max_new_tokens", "rl.temperature", "rl.top_k", "rl.top_p",
        "rl.kl_coef", "rl.adaptive_kl", "rl.target_kl", "rl.kl_horizon", "rl.beta", "rl.gamma", "rl.lam",
        "rl.cliprange", "rl.cliprange_value", "rl.vf_coef", "rl.ppo_epochs",
        "training.epochs", "training.max_steps", "training.batch_size", "training.gradient_accumulation_steps",
        "training.learning_rate", "training.lr_scheduler", "training.warmup_steps", "training.weight_decay",
        "training.max_grad_norm", "training.seed", "training.eval_steps", "training.save_steps",
        "training.logging_steps", "training.gradient_checkpointing", "training.optimizer", "training.optimizer_state_device",
    ];

    static readonly HashSet<string> Known = new(All, StringComparer.Ordinal);

    public static bool IsKnown(string key) => Known.Contains(key);

    public static bool IsSection(string key) => Sections.Contains(key, StringComparer.Ordinal);

    /// <summary>
    /// Builds the "what to do" part of an unknown-key error: the closest known key when one is near,
    /// else the keys that are valid at that place.
    /// </summary>
    public static string SuggestFor(string unknownKey)
    {
        var closest = FindClosest(unknownKey);
        if (closest is not null)
            return $"did you mean {closest}?";

        var dot = unknownKey.IndexOf('.');
        var section = dot > 0 ? unknownKey[..dot] : null;
        if (section is not null && IsSection(section))
        {
            var inSection = All.Where(k => k.StartsWith(section + ".", StringComparison.Ordinal)).Select(k => k[(section.Length + 1)..]);
            return $"known keys in {section}: {string.Join(", ", inSection)}";
        }
        var topLevel = All.Where(k => !k.Contains('.')).Concat(Sections);
        return $"known top-level keys: {string.Join(", ", topLevel)}";
    }

    static string? FindClosest(string unknownKey)
    {
        var normalized = Normalize(unknownKey);

        // A right key in the wrong place: "learning_rate" at the top level, or "data.learning_rate".
        var leaf = normalized[(normalized.LastIndexOf('.') + 1)..];
        var sameLeaf = All.Where(k => k.EndsWith("." + leaf, StringComparison.Ordinal) || k == leaf).ToList();
        if (sameLeaf.Count == 1 && sameLeaf[0] != unknownKey)
            return sameLeaf[0];

        // Otherwise a typo: the nearest key or section by edit distance, if it is near enough to be meant.
        var candidates = normalized.Contains('.') ? All : All.Concat(Sections);
        var best = candidates.MinBy(k => EditDistance(normalized, k));
        if (best is null)
            return null;
        var distance = EditDistance(normalized, best);
        var maxDistance = Math.Max(2, normalized.Length / 4);
        return distance <= maxDistance && best != unknownKey ? best : null;
    }

    // Case and '-' versus '_' are the commonest slips, so they count as no difference.
    static string Normalize(string key) => key.Trim().ToLowerInvariant().Replace('-', '_');

    /// <summary>Levenshtein distance: the fewest single-character insertions, deletions and substitutions from a to b.</summary>
    internal static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
            previous[j] = j;

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
