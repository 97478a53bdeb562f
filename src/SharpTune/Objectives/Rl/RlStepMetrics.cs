using System.Text.Json.Nodes;

namespace SharpTune.Objectives.Rl;

/// <summary>
/// What one RLHF step measured. Reward, KL, entropy and length describe the rollout, sampled before the update.
/// Losses, the clip fraction and the gradient norm are means over the step's minibatch updates.
/// </summary>
/// <param name="Reward">Mean score of the rollout's responses.</param>
/// <param name="Kl">Mean over responses of Σt k1, the KL to the reference per response, as TRL logs <c>objective/kl</c>.</param>
/// <param name="Entropy">Mean per-token entropy of the sampling distribution.</param>
/// <param name="ResponseLength">Mean response length in tokens, with the EOS of a response that ended on its own.</param>
/// <param name="ClipFraction">Share of response tokens whose ratio was clipped.</param>
/// <param name="PolicyLoss">The clipped surrogate loss, without KL or value terms.</param>
/// <param name="ValueLoss">PPO's value loss; null for grpo and rloo.</param>
/// <param name="Loss">The minimised loss: policy loss plus GRPO's KL term or PPO's weighted value loss.</param>
/// <param name="GradNorm">Global gradient norm before clipping.</param>
/// <param name="KlCoef">The KL coefficient in use: PPO's and RLOO's reward penalty, or GRPO's β.</param>
/// <param name="Tokens">Response tokens sampled in the step.</param>
public sealed record RlStepMetrics(double Reward, double Kl, double Entropy, double ResponseLength, double ClipFraction,
    double PolicyLoss, double? ValueLoss, double Loss, double GradNorm, double KlCoef, long Tokens)
{
    public JsonObject ToJson(int step, double learningRate)
    {
        var json = new JsonObject
        {
            ["step"] = step,
            ["loss"] = Loss,
            ["reward"] = Reward,
            ["kl"] = Kl,
            ["entropy"] = Entropy,
            ["clip_fraction"] = ClipFraction,
            ["response_length"] = ResponseLength,
            ["policy_loss"] = PolicyLoss,
            ["learning_rate"] = learningRate,
            ["grad_norm"] = GradNorm,
            ["kl_coef"] = KlCoef,
        };
        if (ValueLoss is double valueLoss)
            json["value_loss"] = valueLoss;
        return json;
    }
}
