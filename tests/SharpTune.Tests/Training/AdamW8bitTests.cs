using SharpTune.Training;
using TorchSharp;
using Xunit.Abstractions;
using Parameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch;

namespace SharpTune.Tests.Training;

public class AdamW8bitTests(ITestOutputHelper output)
{
    [Fact]
    public void MomentBytes_QuarterOfFloat32()
    {
        // A [1024, 1024] weight: float32 moments take 2 · 4 · 2^20 bytes; 8-bit moments 2 · (2^20 codes + 4 · 512 absmax).
        using var plain = new AdamW([("w", new Parameter(zeros(1024, 1024)))], _ => true);
        using var eightBit = new AdamW([("w", new Parameter(zeros(1024, 1024)))], _ => true, eightBitState: true);

        Assert.Equal([8_388_608L, 2_101_248L], [plain.MomentBytes, eightBit.MomentBytes]);
    }

    [Fact]
    public void MomentBytes_SmallTensorsKeepFloat32()
    {
        // 4095 elements stay float32 (8 bytes each); 4096 are quantized: 2 · (4096 + 4 · 2 blocks).
        using var small = new AdamW([("w", new Parameter(zeros(4095)))], _ => true, eightBitState: true);
        using var large = new AdamW([("w", new Parameter(zeros(4096)))], _ => true, eightBitState: true);

        Assert.Equal([8L * 4095, 2L * (4096 + 8)], [small.MomentBytes, large.MomentBytes]);
    }

    [Fact]
    public void NoisyQuadratic_FollowsFloat32AdamW()
    {
        // f(w) = ½ Σ c_i (w_i − t_i)², curvatures from 0.1 to 10, 8192 weights (four quantized blocks of 2048), with
        // N(0, 1) noise on every gradient as minibatches give; both runs draw the same noise.
        var start = Quadratic.Start();
        var plain = Quadratic.Run(start, eightBit: false);
        var eightBit = Quadratic.Run(start, eightBit: true);
        double gap = Quadratic.Distance(plain, eightBit);
        double travelled = Quadratic.Distance(start, plain);
        double plainLoss = Quadratic.Loss(plain), eightBitLoss = Quadratic.Loss(eightBit);
        output.WriteLine($"loss: start {Quadratic.Loss(start):F1}, float32 {plainLoss:F1}, 8-bit {eightBitLoss:F1}; runs {gap:F3} apart after {travelled:F3} travelled");

        // Tolerances: a moment near its block's absmax is stored within 0.7 % (0.45/64), but an element whose
        // gradient is 1000 times below the block's largest has a second moment 1e-6 of the absmax, where the
        // unsigned map has two codes; its v rounds towards 0 and its steps grow. That drift measured 3.1 % of the
        // distance travelled and 5 % more loss after 300 steps; a wrong update (sign, scale, bias correction) moves
        // the runs tens of percent apart.
        Assert.True(gap <= 0.06 * travelled, $"8-bit AdamW ended {gap:F3} from float32 AdamW after {travelled:F3} travelled");
        Assert.InRange(eightBitLoss / plainLoss, 0.9, 1.1);
    }

    [Fact]
    public void Offload_MatchesPlainAdamWBitwise()
    {
        // The CPU-state path (master copies, gradients moved to the state device) runs here on the CPU and must give
        // exactly the update of the plain path, for float32 and bf16 parameters and for both moment formats.
        foreach (var eightBit in new[] { false, true })
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
        {
            var plain = Steps(eightBit, dtype, stateDevice: null);
            var offloaded = Steps(eightBit, dtype, stateDevice: CPU);
            Assert.Equal(plain, offloaded);
        }
    }

    static float[] Steps(bool eightBit, ScalarType dtype, Device? stateDevice)
    {
        using var scope = NewDisposeScope();
        // A private generator: tests in other classes run in parallel and draw from the global one.
        using var generator = new Generator(5);
        var parameter = new Parameter(randn(64, 128, generator: generator).to(dtype));
        using var optimizer = new AdamW([("w", parameter)], _ => true, eightBit, stateDevice);
        for (int step = 0; step < 5; step++)
        {
            parameter.grad = randn(64, 128, generator: generator).to(dtype);
            optimizer.Step(lr: 1e-2, weightDecay: 0.1);
        }
        return parameter.to(ScalarType.Float32).data<float>().ToArray();
    }

    [Fact]
    public void Checkpoint_RestoresEightBitStateExactly()
    {
        var (original, resumed) = StepSaveResume(size: 8192, weightDecay: 0,
            parameter => new AdamW([("w", parameter)], _ => true, eightBitState: true),
            parameter => new AdamW([("w", parameter)], _ => true, eightBitState: true));
        Assert.Equal(original, resumed);
    }

    [Fact]
    public void Checkpoint_WithoutOffloadResumesOffloaded()
    {
        // A float32 parameter has no master copy in a checkpoint saved without offloading; the offloaded optimizer
        // takes it from the restored parameter and continues exactly as the plain one.
        var (original, resumed) = StepSaveResume(size: 300, weightDecay: 0.1,
            parameter => new AdamW([("w", parameter)], _ => true),
            parameter => new AdamW([("w", parameter)], _ => true, stateDevice: CPU));
        Assert.Equal(original, resumed);
    }

    /// <summary>
    /// Runs 4 steps with the first optimizer; a copy of its weights after step 2 loads its state into the second
    /// optimizer and takes steps 3 and 4 with the same gradients. Returns both final weights.
    /// </summary>
    static (float[] Original, float[] Resumed) StepSaveResume(int size, double weightDecay,
        Func<Parameter, AdamW> createOriginal, Func<Parameter, AdamW> createResumed)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(9);
        var grads = Enumerable.Range(0, 4).Select(_ => randn(size, generator: generator)).ToArray();
        var first = new Parameter(randn(size, generator: generator));
        var second = new Parameter(first.detach().clone());
        using var original = createOriginal(first);
        using var resumed = createResumed(second);
        for (int step = 0; step < 2; step++)
        {
            first.grad = grads[step].clone();
            original.Step(1e-2, weightDecay);
        }
        using (no_grad())
            second.copy_(first);
        resumed.LoadState(name => original.StateTensors().TryGetValue(name, out var t) ? t.clone() : null, original.StepCount);

        for (int step = 2; step < 4; step++)
        {
            first.grad = grads[step].clone();
            second.grad = grads[step].clone();
            original.Step(1e-2, weightDecay);
            resumed.Step(1e-2, weightDecay);
        }
        return (first.data<float>().ToArray(), second.data<float>().ToArray());
    }

    [Fact]
    public void Checkpoint_FromFloat32StateIsRejected()
    {
        using var plain = new AdamW([("w", new Parameter(zeros(8192)))], _ => true);
        using var eightBit = new AdamW([("w", new Parameter(zeros(8192)))], _ => true, eightBitState: true);

        var error = Assert.Throws<SharpTuneInputException>(() =>
            eightBit.LoadState(name => plain.StateTensors().TryGetValue(name, out var t) ? t.clone() : null, 1));
        Assert.Contains("training.optimizer", error.Message);
    }

    /// <summary>A separable quadratic with known optimum, stepped with either moment format.</summary>
    static class Quadratic
    {
        const int Size = 8192;
        static readonly float[] Curvature = Enumerable.Range(0, Size).Select(i => MathF.Pow(10, -1 + 2f * ((i * 37) % Size) / Size)).ToArray();
        static readonly float[] Target = Enumerable.Range(0, Size).Select(i => MathF.Sin(i * 0.1f)).ToArray();

        public static float[] Start() => Enumerable.Range(0, Size).Select(i => 2 * MathF.Cos(i * 0.37f)).ToArray();

        public static double Loss(float[] w) => 0.5 * w.Select((x, i) => (double)Curvature[i] * (x - Target[i]) * (x - Target[i])).Sum();

        public static float[] Run(float[] start, bool eightBit)
        {
            using var generator = new Generator(1);
            using var scope = NewDisposeScope();
            var weight = new Parameter(tensor(start));
            var curvature = tensor(Curvature);
            var target = tensor(Target);
            using var optimizer = new AdamW([("w", weight)], _ => true, eightBitState: eightBit);
            for (int step = 0; step < 300; step++)
            {
                using (no_grad())
                    weight.grad = curvature * (weight - target) + randn(Size, generator: generator); // ∇f plus noise
                optimizer.Step(lr: 1e-2, weightDecay: 0);
            }
            return weight.data<float>().ToArray();
        }

        public static double Distance(float[] a, float[] b) => Math.Sqrt(a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum());
    }
}
