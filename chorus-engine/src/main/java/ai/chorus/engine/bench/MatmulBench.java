package ai.chorus.engine.bench;

import ai.chorus.engine.kernel.Matmul;
import ai.chorus.engine.parallel.WorkerPool;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * GFLOP/s of the three matmul forms (forward, dInput, dWeight) on every linear-layer shape of a bench
 * config: where a training step's matmul time goes. {@code MatmulBench [S|M|L] [threads]}.
 *
 * <p>With one thread each form is timed by the thread's CPU time (best of 15): on a machine shared
 * with other work, wall time mostly measures the time slices the process got.
 */
public final class MatmulBench {

    private MatmulBench() {
    }

    public static void main(String[] args) {
        BenchConfig cfg = BenchConfig.byName(args.length > 0 ? args[0] : "S");
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int m = cfg.batch() * cfg.seq();
        int d = cfg.dim();
        int[][] shapes = {{d, 3 * d}, {d, d}, {d, 2 * cfg.ffn()}, {cfg.ffn(), d}, {d, cfg.vocab()}};
        String[] names = {"qkv", "o", "gate_up", "down", "lm_head"};
        try (WorkerPool pool = new WorkerPool(threads)) {
            for (int s = 0; s < shapes.length; s++) {
                int k = shapes[s][0];
                int n = shapes[s][1];
                float[] x = random(m * k);
                float[] w = random(n * k);
                float[] y = random(m * n);
                double flops = 2.0 * m * k * n;
                int ld = Matmul.paddedStride(n);
                float[] wT = new float[k * ld];
                boolean cpuTime = threads == 1;
                double fwd = best(cpuTime, () -> Matmul.forward(pool, y, 0, x, 0, wT, 0, ld, m, k, n));
                double din = best(cpuTime, () -> Matmul.backwardInput(pool, x, 0, y, 0, w, 0, m, k, n, false));
                double dw = best(cpuTime, () -> Matmul.backwardWeight(pool, w, 0, y, 0, x, 0, m, k, n));
                double tr = best(cpuTime, () -> Matmul.transpose(pool, w, 0, wT, 0, n, k, ld));
                System.out.printf(Locale.ROOT, "%-8s M=%d K=%d N=%d  forward %.1f  dInput %.1f  dWeight %.1f GFLOP/s"
                                + "  (%.2f + %.2f + %.2f ms), transpose %.2f ms%n", names[s], m, k, n, flops / fwd / 1e9,
                        flops / din / 1e9, flops / dw / 1e9, fwd * 1e3, din * 1e3, dw * 1e3, tr * 1e3);
            }
        }
    }

    /** Seconds of the fastest of 15 runs, by the calling thread's CPU time or by wall time. */
    private static double best(boolean cpuTime, Runnable r) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 15; i++) {
            long t0 = cpuTime ? mx.getCurrentThreadCpuTime() : System.nanoTime();
            r.run();
            long t1 = cpuTime ? mx.getCurrentThreadCpuTime() : System.nanoTime();
            best = Math.min(best, (t1 - t0) / 1e9);
        }
        return best;
    }

    private static float[] random(int n) {
        SplittableRandom random = new SplittableRandom(n);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextDouble(-0.1, 0.1);
        }
        return a;
    }
}
