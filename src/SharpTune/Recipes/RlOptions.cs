namespace SharpTune.Recipes;

/// <summary>Policy-gradient algorithm of <c>objective: rlhf</c>.</summary>
public enum RlAlgorithm
{
    /// <summary>PPO with a value head, GAE and a per-token KL penalty in the reward (InstructGPT, TRL's PPOTrainer).</summary>
    Ppo,

    /// <summary>Group relative policy optimization: group-normalised rewards and a k3 KL loss term (DeepSeekMath).</summary>
    Grpo,

    /// <summary>REINFORCE leave-one-out: each sample's baseline is the mean reward of the other samples of its prompt.</summary>
    Rloo,
}

/// <summary>Programmatic reward of <c>objective: rlhf</c>.</summary>
public enum RewardKind
{
    /// <summary>Occurrences of <c>rl.reward_word</c> in the response, case-insensitive, whole words only.</summary>
    WordCount,

    /// <summary>Response length, or minus its distance to <c>rl.reward_target_length</c>.</summary>
    Length,

    /// <summary>The score of a reward model trained with <c>objective: reward</c>, read from <c>rl.reward_model</c>.</summary>
    RewardModel,
}

/// <summary>Unit of the <see cref="RewardKind.Length"/> reward.</summary>
public enum LengthUnit
{
    Tokens,
    Characters,
}

/// <summary>
/// Recipe section <c>rl</c>: settings of <c>objective: rlhf</c>. Names and defaults follow TRL's PPOConfig and
/// GRPOConfig where those exist.
/// </summary>
public sealed record RlOptions
{
    /// <summary>Key <c>rl.algorithm</c>, default <see cref="RlAlgorithm.Ppo"/>.</summary>
    public RlAlgorithm Algorithm { get; init; } = RlAlgorithm.Ppo;

    /// <summary>Key <c>rl.reward</c>, default <see cref="RewardKind.WordCount"/>.</summary>
    public RewardKind Reward { get; init; } = RewardKind.WordCount;

    /// <summary>The word that <see cref="RewardKind.WordCount"/> counts. Key <c>rl.reward_word</c>, required for that reward.</summary>
    public string? RewardWord { get; init; }

    /// <summary>Key <c>rl.reward_length_unit</c>, default <see cref="LengthUnit.Tokens"/>.</summary>
    public LengthUnit RewardLengthUnit { get; init; } = LengthUnit.Tokens;

    /// <summary>
    /// With a target, the length reward is −|length − target|; without one it is the length.
    /// Key <c>rl.reward_target_length</c>, default none.
    /// </summary>
    public int? RewardTargetLength { get; init; }

    /// <summary>
    /// Output folder of an <c>objective: reward</c> run (or its <c>adapter/</c> or <c>model/</c> folder) that
    /// <see cref="RewardKind.RewardModel"/> scores with. Key <c>rl.reward_model</c>, required for that reward.
    /// </summary>
    public string? RewardModel { get; init; }

    /// <summary>
    /// Base model the reward run started from; its tokenizer encodes the scored text. Key
    /// <c>rl.reward_model_base</c>, default the recipe's <c>model</c>.
    /// </summary>
    public string? RewardModelBase { get; init; }

    /// <summary>Prompts per rollout batch (one training step). Key <c>rl.rollout_batch_size</c>, default 8.</summary>
    public int RolloutBatchSize { get; init; } = 8;

    /// <summary>Responses sampled per prompt; grpo and rloo need at least 2. Key <c>rl.num_generations</c>, default 4.</summary>
    public int NumGenerations { get; init; } = 4;

    /// <summary>Key <c>rl.max_new_tokens</c>, default 53 (TRL's PPO response_length).</summary>
    public int MaxNewTokens { get; init; } = 53;

    /// <summary>Sampling temperature, also applied to the logits of every log-probability. Key <c>rl.temperature</c>, default 0.7.</summary>
    public double Temperature { get; init; } = 0.7;

    /// <summary>Key <c>rl.top_k</c>, default 0 (off).</summary>
    public int TopK { get; init; }

    /// <summary>Key <c>rl.top_p</c>, default 1 (off).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Weight of the per-token KL penalty in the reward (ppo, rloo). Key <c>rl.kl_coef</c>, default 0.05.</summary>
    public double KlCoef { get; init; } = 0.05;

    /// <summary>Adapt <see cref="KlCoef"/> toward <see cref="TargetKl"/> (Ziegler et al., 2019). Key <c>rl.adaptive_kl</c>, default false.</summary>
    public bool AdaptiveKl { get; init; }

    /// <summary>Target KL per response for the adaptive controller. Key <c>rl.target_kl</c>, default 6.</summary>
    public double TargetKl { get; init; } = 6.0;

    /// <summary>Horizon of the adaptive controller, in samples. Key <c>rl.kl_horizon</c>, default 10000.</summary>
    public int KlHorizon { get; init; } = 10000;

    /// <summary>Weight of GRPO's k3 KL loss term. Key <c>rl.beta</c>, default 0.04 (DeepSeekMath).</summary>
    public double Beta { get; init; } = 0.04;

    /// <summary>Discount factor of GAE. Key <c>rl.gamma</c>, default 1.</summary>
    public double Gamma { get; init; } = 1.0;

    /// <summary>GAE's λ. Key <c>rl.lam</c>, default 0.95.</summary>
    public double Lam { get; init; } = 0.95;

    /// <summary>Clip range ε of the probability ratio. Key <c>rl.cliprange</c>, default 0.2.</summary>
    public double Cliprange { get; init; } = 0.2;

    /// <summary>Clip range of the value prediction around its rollout value. Key <c>rl.cliprange_value</c>, default 0.2.</summary>
    public double CliprangeValue { get; init; } = 0.2;

    /// <summary>Weight of the value loss. Key <c>rl.vf_coef</c>, default 0.1.</summary>
    public double VfCoef { get; init; } = 0.1;

    /// <summary>Passes over each rollout batch. Key <c>rl.ppo_epochs</c>, default 4.</summary>
    public int PpoEpochs { get; init; } = 4;
}
