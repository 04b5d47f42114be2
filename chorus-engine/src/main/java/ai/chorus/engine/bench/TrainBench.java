package ai.chorus.engine.bench;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.kernel.Matmul;
import ai.chorus.engine.model.LlamaModel;
import ai.chorus.engine.model.LlamaRunner;
import ai.chorus.engine.parallel.WorkerPool;
import ai.chorus.engine.train.TrainConfig;
import ai.chorus.engine.train.Trainer;
import com.sun.management.ThreadMXBean;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * End-to-end engine benchmark on the peer's shapes: training steps (forward, backward, AdamW),
 * inference forwards over batch × seq, and the matmul alone. Run standalone with
 * {@code java --add-modules=jdk.incubator.vector -cp ... ai.chorus.engine.bench.TrainBench --config S}.
 */
public final class TrainBench {

    private static final long SEED = 0;
    private static final int DATA_TOKENS = 1 << 20;

    private TrainBench() {
    }

    public static BenchResult run(BenchConfig cfg, int threads, int warmupSteps, int steps) {
        if (threads < 1 || warmupSteps < 0 || steps < 1) {
            throw new InvalidInputException("bench needs threads >= 1, warmup >= 0, steps >= 1");
        }
        ModelConfig mc = cfg.modelConfig();
        int rows = cfg.batch() * cfg.seq();
        SplittableRandom random = new SplittableRandom(SEED);
        int[] data = new int[DATA_TOKENS];
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextInt(cfg.vocab());
        }
        int[] tokens = new int[rows];
        int[] targets = new int[rows];
        var mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (WorkerPool pool = new WorkerPool(threads);
             Trainer trainer = new Trainer(LlamaModel.initialized(mc, SEED), TrainConfig.peerDefaults(3e-4), pool,
                     cfg.batch(), cfg.seq())) {
            LlamaModel model = trainer.model();
            double lossFirst = Double.NaN;
            double lossLast = Double.NaN;
            for (int s = 0; s < warmupSteps; s++) {
                nextBatch(data, random, cfg, tokens, targets);
                lossLast = trainer.step(tokens, targets);
                if (s == 0) {
                    lossFirst = lossLast;
                }
            }
            long allocBefore = allocatedBytes(mx);
            long cpuBefore = cpuNanos(mx);
            long t0 = System.nanoTime();
            for (int s = 0; s < steps; s++) {
                nextBatch(data, random, cfg, tokens, targets);
                lossLast = trainer.step(tokens, targets);
                if (warmupSteps == 0 && s == 0) {
                    lossFirst = lossLast;
                }
            }
            double trainSeconds = (System.nanoTime() - t0) / 1e9;
            double cpuMsPerStep = (cpuNanos(mx) - cpuBefore) / 1e6 / steps;
            long allocPerStep = (allocatedBytes(mx) - allocBefore) / steps;

            // inference runs the whole batch on all threads, as the peer's does (the trainer's runners hold half)
            LlamaRunner runner = new LlamaRunner(model, pool, cfg.batch(), cfg.seq(), model.gradientBuffer(),
                    trainer.runner());
            for (int s = 0; s < Math.max(1, warmupSteps); s++) {
                nextBatch(data, random, cfg, tokens, targets);
                runner.forward(tokens, 0, cfg.batch(), cfg.seq());
            }
            long t1 = System.nanoTime();
            for (int s = 0; s < steps; s++) {
                nextBatch(data, random, cfg, tokens, targets);
                runner.forward(tokens, 0, cfg.batch(), cfg.seq());
            }
            double inferSeconds = (System.nanoTime() - t1) / 1e9;

            double matmulGflops = matmulGflops(pool, rows, cfg.dim(), cfg.vocab());
            double trainTokensPerS = (double) rows * steps / trainSeconds;
            return new BenchResult(cfg, threads, steps, mc.parameterCount(),
                    trainTokensPerS, 1000 * trainSeconds / steps, trainTokensPerS * mc.trainFlopsPerToken(cfg.seq()) / 1e9,
                    (double) rows * steps / inferSeconds, 1000 * inferSeconds / steps,
                    matmulGflops, lossFirst, lossLast, allocPerStep, cpuMsPerStep);
        }
    }

    /** Random windows of the data, as the peer samples them. */
    private static void nextBatch(int[] data, SplittableRandom random, BenchConfig cfg, int[] tokens, int[] targets) {
        for (int b = 0; b < cfg.batch(); b++) {
            int start = random.nextInt(data.length - cfg.seq() - 1);
            System.arraycopy(data, start, tokens, b * cfg.seq(), cfg.seq());
            System.arraycopy(data, start + 1, targets, b * cfg.seq(), cfg.seq());
        }
    }

    /** Bytes allocated so far by all live threads (the caller and the pool's workers). */
    private static long allocatedBytes(ThreadMXBean mx) {
        long sum = 0;
        for (long b : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) {
            sum += Math.max(0, b);
        }
        return sum;
    }

    /** CPU time so far of all live threads: the work done, whatever else the machine runs. */
    private static long cpuNanos(ThreadMXBean mx) {
        long sum = 0;
        for (long id : mx.getAllThreadIds()) {
            sum += Math.max(0, mx.getThreadCpuTime(id));
        }
        return sum;
    }

    /** GFLOP/s of the forward matmul on an [m,k]·[k,n] problem, best of a few timed repetitions. */
    static double matmulGflops(WorkerPool pool, int m, int k, int n) {
        SplittableRandom random = new SplittableRandom(1);
        float[] a = new float[m * k];
        int ld = Matmul.paddedStride(n);
        float[] b = new float[k * ld];
        float[] c = new float[m * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextDouble(-1, 1);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) random.nextDouble(-1, 1);
        }
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 8; rep++) {
            long t0 = System.nanoTime();
            Matmul.forward(pool, c, 0, a, 0, b, 0, ld, m, k, n);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return 2.0 * m * k * n / best / 1e9;
    }

    public static void main(String[] args) {
        String config = "S";
        int threads = Runtime.getRuntime().availableProcessors();
        int warmup = 3;
        int steps = 20;
        boolean json = false;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--config" -> config = args[++i];
                    case "--threads" -> threads = Integer.parseInt(args[++i]);
                    case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                    case "--steps" -> steps = Integer.parseInt(args[++i]);
                    case "--json" -> json = true;
                    default -> throw new InvalidInputException("unknown option " + args[i]
                            + "; use --config S|M|L --threads N --warmup N --steps N --json");
                }
            }
            BenchResult r = run(BenchConfig.byName(config), threads, warmup, steps);
            if (json) {
                System.out.println(r.toJson());
            } else {
                System.out.printf(Locale.ROOT,
                        "config %s, %d threads, %,d params: train %.0f tok/s (%.1f ms/step, %.1f GFLOP/s), "
                                + "infer %.0f tok/s, matmul %.1f GFLOP/s, loss %.4f -> %.4f, %d B allocated/step, %.1f CPU ms/step%n",
                        config, threads, r.params(), r.trainTokensPerS(), r.trainMsPerStep(), r.trainGflops(),
                        r.inferTokensPerS(), r.matmulGflops(), r.lossFirst(), r.lossLast(), r.allocatedBytesPerStep(),
                        r.trainCpuMsPerStep());
            }
        } catch (InvalidInputException | NumberFormatException | ArrayIndexOutOfBoundsException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }
}
