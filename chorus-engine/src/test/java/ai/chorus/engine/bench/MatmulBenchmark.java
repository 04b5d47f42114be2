package ai.chorus.engine.bench;

import ai.chorus.engine.kernel.Matmul;
import ai.chorus.engine.parallel.WorkerPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The three matmul forms (forward, dInput, dWeight) on every linear-layer shape of a bench config, on
 * one worker thread: ms per call; GFLOP/s = 2·M·K·N / time. Run with {@code tools/jmh.sh Matmul} (see
 * docs/PERFORMANCE.md); to compare two builds, run it in each checkout, alternating.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class MatmulBenchmark {

    @Param({"S"})
    public String config;

    /** The layer: its input width K and output width N from the config. */
    @Param({"qkv", "o", "gate_up", "down", "lm_head"})
    public String shape;

    private WorkerPool pool;
    private int m;
    private int k;
    private int n;
    private int ld;
    private float[] x;
    private float[] w;
    private float[] wT;
    private float[] y;

    @Setup
    public void setUp() {
        BenchConfig cfg = BenchConfig.byName(config);
        int d = cfg.dim();
        int[] kn = switch (shape) {
            case "qkv" -> new int[] {d, 3 * d};
            case "o" -> new int[] {d, d};
            case "gate_up" -> new int[] {d, 2 * cfg.ffn()};
            case "down" -> new int[] {cfg.ffn(), d};
            case "lm_head" -> new int[] {d, cfg.vocab()};
            default -> throw new IllegalArgumentException("unknown shape " + shape);
        };
        m = cfg.batch() * cfg.seq();
        k = kn[0];
        n = kn[1];
        ld = Matmul.paddedStride(n);
        pool = new WorkerPool(1);
        x = random(m * k);
        w = random(n * k);
        y = random(m * n);
        wT = new float[k * ld];
        Matmul.transpose(pool, w, 0, wT, 0, n, k, ld);
    }

    @TearDown
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public float[] forward() {
        Matmul.forward(pool, y, 0, x, 0, wT, 0, ld, m, k, n);
        return y;
    }

    @Benchmark
    public float[] backwardInput() {
        Matmul.backwardInput(pool, x, 0, y, 0, w, 0, m, k, n, false);
        return x;
    }

    @Benchmark
    public float[] backwardWeight() {
        Matmul.backwardWeight(pool, w, 0, y, 0, x, 0, m, k, n);
        return w;
    }

    static float[] random(int n) {
        SplittableRandom random = new SplittableRandom(n);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextDouble(-0.1, 0.1);
        }
        return a;
    }
}
