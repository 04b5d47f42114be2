import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Per-shape matmul GFLOP/s (forward, dInput, dWeight) of several engine builds on one thread, for a
 * shared, noisy machine: one class loader per build in one JVM, every repetition runs each build in
 * turn (order reversed every repetition), timed by the thread's CPU time, best of REPS. The shapes are
 * those of {@code MatmulBench}. See AbTrain for how to keep a build's classes.
 *
 * <pre>java --add-modules=jdk.incubator.vector -Xmx4g tools/AbMatmul.java S 20 /tmp/engine-before /tmp/engine-after</pre>
 */
public class AbMatmul {
    public static void main(String[] args) throws Exception {
        String cfg = args[0];
        int reps = Integer.parseInt(args[1]);
        int n = args.length - 2;
        Method[] fwd = new Method[n], din = new Method[n], dw = new Method[n], stride = new Method[n];
        Object[] pool = new Object[n];
        int m = 0, d = 0, ffn = 0, vocab = 0;
        for (int v = 0; v < n; v++) {
            ClassLoader cl = new URLClassLoader(new URL[] {Path.of(args[2 + v]).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
            Class<?> bc = cl.loadClass("ai.chorus.engine.bench.BenchConfig");
            Object b = bc.getMethod("byName", String.class).invoke(null, cfg);
            m = (int) bc.getMethod("batch").invoke(b) * (int) bc.getMethod("seq").invoke(b);
            d = (int) bc.getMethod("dim").invoke(b); ffn = (int) bc.getMethod("ffn").invoke(b); vocab = (int) bc.getMethod("vocab").invoke(b);
            Class<?> wp = cl.loadClass("ai.chorus.engine.parallel.WorkerPool");
            pool[v] = wp.getConstructor(int.class).newInstance(1);
            Class<?> mm = cl.loadClass("ai.chorus.engine.kernel.Matmul");
            fwd[v] = mm.getMethod("forward", wp, float[].class, int.class, float[].class, int.class, float[].class, int.class, int.class, int.class, int.class, int.class);
            din[v] = mm.getMethod("backwardInput", wp, float[].class, int.class, float[].class, int.class, float[].class, int.class, int.class, int.class, int.class, boolean.class);
            dw[v] = mm.getMethod("backwardWeight", wp, float[].class, int.class, float[].class, int.class, float[].class, int.class, int.class, int.class, int.class);
            stride[v] = mm.getMethod("paddedStride", int.class);
        }
        int[][] shapes = {{d, 3 * d}, {d, d}, {d, 2 * ffn}, {ffn, d}, {d, vocab}};
        String[] names = {"qkv", "o", "gate_up", "down", "lm_head"};
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double[][] totals = new double[n][3];
        for (int s = 0; s < shapes.length; s++) {
            int k = shapes[s][0], nn = shapes[s][1];
            float[] x = random(m * k), w = random(nn * k), y = random(m * nn);
            int ld = (int) stride[0].invoke(null, nn);
            float[] wT = random(k * ld);
            double[][] best = new double[n][3];
            for (double[] r : best) java.util.Arrays.fill(r, Double.MAX_VALUE);
            for (int rep = 0; rep < reps; rep++) {
                for (int t = 0; t < n; t++) {
                    int v = rep % 2 == 0 ? t : n - 1 - t;
                    long c0 = mx.getCurrentThreadCpuTime();
                    fwd[v].invoke(null, pool[v], y, 0, x, 0, wT, 0, ld, m, k, nn);
                    long c1 = mx.getCurrentThreadCpuTime();
                    din[v].invoke(null, pool[v], x, 0, y, 0, w, 0, m, k, nn, false);
                    long c2 = mx.getCurrentThreadCpuTime();
                    dw[v].invoke(null, pool[v], w, 0, y, 0, x, 0, m, k, nn);
                    long c3 = mx.getCurrentThreadCpuTime();
                    best[v][0] = Math.min(best[v][0], (c1 - c0) / 1e9);
                    best[v][1] = Math.min(best[v][1], (c2 - c1) / 1e9);
                    best[v][2] = Math.min(best[v][2], (c3 - c2) / 1e9);
                }
            }
            double flops = 2.0 * m * k * nn;
            for (int v = 0; v < n; v++) {
                System.out.printf(Locale.ROOT, "%-8s M=%d K=%d N=%d  %-22s forward %6.1f  dInput %6.1f  dWeight %6.1f GFLOP/s%n",
                        names[s], m, k, nn, args[2 + v], flops / best[v][0] / 1e9, flops / best[v][1] / 1e9, flops / best[v][2] / 1e9);
                for (int f = 0; f < 3; f++) totals[v][f] += best[v][f] * 1e3;
            }
        }
        for (int v = 0; v < n; v++) {
            System.out.printf(Locale.ROOT, "total ms (one of each shape) %-22s forward %.2f  dInput %.2f  dWeight %.2f%n", args[2 + v], totals[v][0], totals[v][1], totals[v][2]);
        }
        System.exit(0);
    }

    static float[] random(int n) {
        SplittableRandom r = new SplittableRandom(n);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextDouble(-0.1, 0.1);
        return a;
    }
}
