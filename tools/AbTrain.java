import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.*;

/**
 * A/B of engine builds on a shared, noisy machine: each build's classes directory gets its own class
 * loader, model and worker pool in one JVM, and training steps alternate between the builds (order
 * reversed every round), so every build sees the same foreign load. Prints, per build, the median and
 * min of wall ms/step and of CPU ms/step (all threads) and the last loss.
 *
 * <pre>
 * cp -r chorus-engine/target/classes /tmp/engine-before   # build, copy; change, build, copy again
 * java --add-modules=jdk.incubator.vector -Xmx8g tools/AbTrain.java S 1 5 20 /tmp/engine-before /tmp/engine-after
 * </pre>
 * Arguments: config (S|M|L, or vocab,dim,layers,heads,ffn,seq,batch for any other shape, e.g. the demo's
 * 4096,64,2,2,192,128,16), threads, warm-up steps, measured rounds, then one classes directory per build.
 */
public class AbTrain {
    public static void main(String[] args) throws Exception {
        String cfg = args[0];
        int threads = Integer.parseInt(args[1]), warmup = Integer.parseInt(args[2]), rounds = Integer.parseInt(args[3]);
        int n = args.length - 4;
        Object[] trainers = new Object[n];
        Method[] step = new Method[n];
        int[][] tok = new int[n][], tgt = new int[n][];
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int v = 0; v < n; v++) {
            ClassLoader cl = new URLClassLoader(new URL[] {Path.of(args[4 + v]).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
            Class<?> bc = cl.loadClass("ai.chorus.engine.bench.BenchConfig");
            Object bcfg;
            if (cfg.contains(",")) {
                int[] f = Arrays.stream(cfg.split(",")).mapToInt(Integer::parseInt).toArray();
                bcfg = bc.getConstructor(String.class, int.class, int.class, int.class, int.class, int.class, int.class, int.class)
                        .newInstance("custom", f[0], f[1], f[2], f[3], f[4], f[5], f[6]);
            } else {
                bcfg = bc.getMethod("byName", String.class).invoke(null, cfg);
            }
            Object mc = bc.getMethod("modelConfig").invoke(bcfg);
            int batch = (int) bc.getMethod("batch").invoke(bcfg), seq = (int) bc.getMethod("seq").invoke(bcfg), vocab = (int) bc.getMethod("vocab").invoke(bcfg);
            Class<?> mcc = cl.loadClass("ai.chorus.engine.ModelConfig");
            Class<?> lm = cl.loadClass("ai.chorus.engine.model.LlamaModel");
            Object model = lm.getMethod("initialized", mcc, long.class).invoke(null, mc, 0L);
            Class<?> wp = cl.loadClass("ai.chorus.engine.parallel.WorkerPool");
            Object pool = wp.getConstructor(int.class).newInstance(threads);
            Class<?> tc = cl.loadClass("ai.chorus.engine.train.TrainConfig");
            Object tconf = tc.getMethod("peerDefaults", double.class).invoke(null, 3e-4);
            Class<?> tr = cl.loadClass("ai.chorus.engine.train.Trainer");
            trainers[v] = tr.getConstructor(lm, tc, wp, int.class, int.class).newInstance(model, tconf, pool, batch, seq);
            step[v] = tr.getMethod("step", int[].class, int[].class);
            SplittableRandom r = new SplittableRandom(7);
            tok[v] = new int[batch * seq]; tgt[v] = new int[batch * seq];
            for (int i = 0; i < tok[v].length; i++) { tok[v][i] = r.nextInt(vocab); tgt[v][i] = r.nextInt(vocab); }
        }
        for (int w = 0; w < warmup; w++) for (int v = 0; v < n; v++) step[v].invoke(trainers[v], tok[v], tgt[v]);
        double[][] wall = new double[n][rounds], cpu = new double[n][rounds];
        double[] loss = new double[n];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < n; k++) {
                int v = (r % 2 == 0) ? k : n - 1 - k; // alternate the order too
                long c0 = cpuAll(mx), t0 = System.nanoTime();
                loss[v] = ((Number) step[v].invoke(trainers[v], tok[v], tgt[v])).doubleValue();
                wall[v][r] = (System.nanoTime() - t0) / 1e6; cpu[v][r] = (cpuAll(mx) - c0) / 1e6;
            }
        }
        for (int v = 0; v < n; v++) {
            double[] a = wall[v].clone(), c = cpu[v].clone(); Arrays.sort(a); Arrays.sort(c);
            System.out.printf(Locale.ROOT, "%s %s thr=%d: wall ms/step median %.1f min %.1f | cpu ms/step median %.1f min %.1f | loss %.6f%n",
                cfg, args[4 + v], threads, a[rounds / 2], a[0], c[rounds / 2], c[0], loss[v]);
        }
        System.exit(0);
    }
    static long cpuAll(com.sun.management.ThreadMXBean mx) { long s = 0; for (long id : mx.getAllThreadIds()) s += Math.max(0, mx.getThreadCpuTime(id)); return s; }
}
