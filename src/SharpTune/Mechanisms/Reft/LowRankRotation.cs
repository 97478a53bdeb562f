using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Mechanisms.Reft;

/// <summary>
/// A matrix R <c>[r, hidden]</c> whose rows stay orthonormal under any update, through a Householder
/// parametrisation: R is the transpose of the first r columns of <c>H_0 H_1 … H_{r−1}</c>, where
/// <c>H_i = I − 2 v_i v_iᵀ / (v_iᵀ v_i)</c>. Every orthonormal r-frame is reachable up to the sign of each row,
/// which LoReFT and DII do not depend on. torch's <c>orthogonal</c> parametrisation, which pyreft uses, also
/// picks Householder products for non-square matrices.
/// </summary>
public sealed class LowRankRotation : nn.Module
{
    /// <summary>Householder vectors <c>[r, hidden]</c>, the trained parameter.</summary>
    public Parameter householder;

    public LowRankRotation(int r, long hidden, ScalarType dtype) : base(nameof(LowRankRotation))
    {
        if (r > hidden)
            throw new ArgumentOutOfRangeException(nameof(r), r, $"the rank must not exceed the hidden size {hidden}");
        // Random directions give a random orthonormal frame; a zero vector would divide by zero.
        householder = new Parameter(randn(r, hidden, dtype: dtype));
        RegisterComponents();
    }

    /// <summary>Returns R <c>[r, hidden]</c> with orthonormal rows, differentiable in the Householder vectors.</summary>
    public Tensor Weight()
    {
        using var scope = NewDisposeScope();
        long r = householder.shape[0], hidden = householder.shape[1];
        var frame = eye(hidden, r, dtype: householder.dtype, device: householder.device);   // [hidden, r]
        for (long i = r - 1; i >= 0; i--)
        {
            var v = householder[i];                                                          // [hidden]
            var projection = matmul(v.unsqueeze(0), frame);                                  // [1, r]
            frame = frame - (2.0 / v.dot(v)) * v.unsqueeze(1) * projection;                  // [hidden, r]
        }
        return frame.t().contiguous().MoveToOuterDisposeScope();
    }
}
