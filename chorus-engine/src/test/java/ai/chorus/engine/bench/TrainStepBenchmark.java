package ai.chorus.engine.bench;

import ai.chorus.engine.model.LlamaModel;
import ai.chorus.engine.parallel.WorkerPool;
import ai.chorus.engine.train.TrainConfig;
import ai.chorus.engine.train.Trainer;
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
 * One training step (forward, backward, AdamW) of a bench config on random tokens, as {@code chorus
 * bench} trains: ms per step. Run with {@code tools/jmh.sh TrainStep} (see docs/PERFORMANCE.md); to
 * compare two builds, run it in each checkout, alternating.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class TrainStepBenchmark {

    @Param({"S"})
    public String config;

    @Param({"1", "2"})
    public int threads;

    private WorkerPool pool;
    private Trainer trainer;
    private int[] tokens;
    private int[] targets;

    @Setup
    public void setUp() {
        BenchConfig cfg = BenchConfig.byName(config);
        pool = new WorkerPool(threads);
        trainer = new Trainer(LlamaModel.initialized(cfg.modelConfig(), 0L), TrainConfig.peerDefaults(3e-4), pool,
                cfg.batch(), cfg.seq());
        SplittableRandom random = new SplittableRandom(7);
        tokens = new int[cfg.batch() * cfg.seq()];
        targets = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = random.nextInt(cfg.vocab());
            targets[i] = random.nextInt(cfg.vocab());
        }
    }

    @TearDown
    public void tearDown() {
        trainer.close();
        pool.close();
    }

    @Benchmark
    public float step() {
        return trainer.step(tokens, targets);
    }
}
