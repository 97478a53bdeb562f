using SharpTune.Generation;
using SharpTune.Models.Llama;
using SharpTune.Recipes;
using SharpTune.Tokenization;
using SharpTune.Training;
using Parameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch;

namespace SharpTune.Objectives.Rl;

/// <summary>
/// One RLHF step: sample responses, score them, compute the KL to the reference and the advantages, then run
/// <c>rl.ppo_epochs</c> passes over the rollout in shuffled minibatches of <c>training.batch_size</c> responses,
/// one optimizer step each.
/// </summary>
/// <remarks>
/// The policy stays in eval mode, so dropout is off. The first minibatch's log-probabilities then match the
/// rollout's up to rounding, and the ratio starts at 1 as PPO assumes.
/// </remarks>
public sealed class RlTrainer : IDisposable
{
    readonly LlamaForCausalLM policy;
    readonly RlOptions rl;
    readonly TrainingOptions training;
    readonly IRewardFunction reward;
    readonly HfTokenizer tokenizer;
    readonly RolloutReference reference;
    readonly ValueHead? valueHead;
    readonly AdamW optimizer;

    public RlTrainer(LlamaForCausalLM policy, RlOptions rl, TrainingOptions training, IRewardFunction reward, HfTokenizer tokenizer,
        RolloutReference reference, ValueHead? valueHead)
    {
        (this.policy, this.rl, this.training, this.reward, this.tokenizer, this.reference, this.valueHead) =
            (policy, rl, training, reward, tokenizer, reference, valueHead);
        Trainable = policy.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter))
            .Concat(valueHead?.Parameters ?? []).ToList();
        if (Trainable.Count == 0)
            throw new InvalidOperationException("The model has no trainable parameters.");
        optimizer = new AdamW(Trainable, AdamW.DefaultDecayFilter);
        Kl = rl.AdaptiveKl ? new AdaptiveKlController(rl.KlCoef, rl.TargetKl, rl.KlHorizon) : new FixedKlController(rl.KlCoef);
    }

    public IReadOnlyList<(string Name, Parameter Parameter)> Trainable { get; }

    public IKlController Kl { get; }

    GenerationOptions Sampling => new() { MaxNewTokens = rl.MaxNewTokens, Temperature = rl.Temperature, TopK = rl.TopK, TopP = rl.TopP };

    /// <summary>Runs step <paramref name="step"/> (0-based) on one batch of prompts at learning rate <paramref name="lr"/>.</summary>
    public RlStepMetrics Step(IReadOnlyList<string> prompts, IReadOnlyList<IReadOnlyList<long>> promptIds, int step, double lr)
    {
        policy.eval();
        using var scope = NewDisposeScope();
        var device = policy.Device;
        long seed = training.Seed + (long)step * prompts.Count * rl.NumGenerations;
        using var rollout = Rollout.Sample(policy, tokenizer, prompts, promptIds, rl.NumGenerations, Sampling, seed);
        var scores = reward.Score(rollout.Prompts, rollout.Responses);

        // The rollout's log-probabilities, values and KL, fixed for the whole step.
        ResponseScores old;
        Tensor refLogProbs;
        using (no_grad())
        {
            old = RolloutForward.Run(policy, rollout, rl.Temperature, valueHead);
            refLogProbs = reference.LogProbs(policy, rollout, rl.Temperature);
        }
        var mask = rollout.Mask.to(device);
        var kl = KlEstimators.K1(old.LogProbs, refLogProbs);
        double klCoef = Kl.Value;
        var (advantages, returns) = RlAdvantages.Compute(rl, scores, kl, old.Values, mask, rollout.ResponseLengths, klCoef);
        double meanKl = (kl * mask).sum().item<float>() / rollout.Count;
        double entropy = (old.Entropy * PpoLoss.TokenMean(mask)).sum().item<float>();

        var updates = new List<(double Policy, double? Value, double Loss, double Clip, double GradNorm)>();
        var order = new Random((int)(seed % int.MaxValue));
        for (int epoch = 0; epoch < rl.PpoEpochs; epoch++)
        {
            var rows = Enumerable.Range(0, rollout.Count).OrderBy(_ => order.Next()).ToArray();
            for (int start = 0; start < rows.Length; start += training.BatchSize)
            {
                var minibatch = rows.Skip(start).Take(training.BatchSize).ToArray();
                updates.Add(Update(rollout, minibatch, old, refLogProbs, advantages, returns, mask, lr));
            }
        }
        Kl.Update(meanKl, rollout.Count);

        return new RlStepMetrics(
            Reward: scores.Average(),
            Kl: meanKl,
            Entropy: entropy,
            ResponseLength: rollout.ResponseLengths.Average(),
            ClipFraction: updates.Average(u => u.Clip),
            PolicyLoss: updates.Average(u => u.Policy),
            ValueLoss: valueHead is null ? null : updates.Average(u => u.Value!.Value),
            Loss: updates.Average(u => u.Loss),
            GradNorm: updates.Average(u => u.GradNorm),
            KlCoef: rl.Algorithm == RlAlgorithm.Grpo ? rl.Beta : klCoef,
            Tokens: rollout.ResponseLengths.Sum());
    }

    (double Policy, double? Value, double Loss, double Clip, double GradNorm) Update(RolloutBatch rollout, int[] rows, ResponseScores old,
        Tensor refLogProbs, Tensor advantages, Tensor? returns, Tensor mask, double lr)
    {
        using var scope = NewDisposeScope();
        var index = tensor(rows.Select(r => (long)r).ToArray(), device: mask.device);
        Tensor Rows(Tensor t) => t.index_select(0, index);
        using var minibatch = rollout.Select(rows);
        var current = RolloutForward.Run(policy, minibatch, rl.Temperature, valueHead);
        var m = Rows(mask);

        bool grpo = rl.Algorithm == RlAlgorithm.Grpo;
        var weights = grpo ? PpoLoss.SequenceMean(m) : PpoLoss.TokenMean(m);
        var (policyTerms, clipped) = PpoLoss.PolicyTerms(current.LogProbs, Rows(old.LogProbs), Rows(advantages), rl.Cliprange);
        var perToken = grpo ? policyTerms + rl.Beta * KlEstimators.K3(current.LogProbs, Rows(refLogProbs)) : policyTerms;
        var policyLoss = (policyTerms * weights).sum();
        var loss = (perToken * weights).sum();
        double? valueLoss = null;
        if (valueHead is not null)
        {
            var (value, _) = PpoLoss.Value(current.Values!, Rows(old.Values!), Rows(returns!), m, rl.CliprangeValue);
            loss = loss + rl.VfCoef * value;
            valueLoss = value.item<float>();
        }
        loss.backward();
        double gradNorm = GradientClipping.ClipByGlobalNorm(Trainable.Select(p => p.Parameter), training.MaxGradNorm);
        optimizer.Step(lr, training.WeightDecay);
        optimizer.ZeroGrad();
        double clip = (clipped * PpoLoss.TokenMean(m)).sum().item<float>();
        return (policyLoss.item<float>(), valueLoss, loss.item<float>(), clip, gradNorm);
    }

    public void Dispose() => optimizer.Dispose();
}
