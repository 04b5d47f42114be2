package ai.chorus.engine.train;

import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.model.KvCache;
import ai.chorus.engine.model.LlamaModel;
import ai.chorus.engine.model.LlamaRunner;
import ai.chorus.engine.optim.LrSchedule;
import ai.chorus.engine.parallel.WorkerPool;
import com.sun.management.ThreadMXBean;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class TrainerTest {

    /** head_dim 16 and odd ffn/vocab so vector paths and their scalar tails both run. */
    static final ModelConfig SMALL = new ModelConfig(48, 80, 2, 3, 3, 301, 64, 1e-5, 10000.0, false);

    static int[][] randomBatch(long seed, int rows, int vocab) {
        Random r = new Random(seed);
        int[] tokens = new int[rows];
        int[] targets = new int[rows];
        for (int i = 0; i < rows; i++) {
            tokens[i] = r.nextInt(vocab);
            targets[i] = r.nextInt(vocab);
        }
        return new int[][] {tokens, targets};
    }

    /** Parameters after {@code steps} steps of two micro-batches of {@code batch} × 20 tokens. */
    private static float[] trainWithThreads(int threads, int batch, int steps) {
        LlamaModel model = LlamaModel.initialized(SMALL, 7);
        try (WorkerPool pool = new WorkerPool(threads);
             Trainer trainer = new Trainer(model, TrainConfig.peerDefaults(1e-3), pool, batch, 20)) {
            for (int s = 0; s < steps; s++) {
                int[][] b = randomBatch(100 + s, 2 * batch * 20, SMALL.vocabSize()); // two micro-batches
                trainer.step(b[0], b[1]);
            }
        }
        return model.parameterBuffer().clone();
    }

    @Test
    void weightsAreBitIdenticalWithOneOrTwoThreads() {
        float[] one = trainWithThreads(1, 3, 4);
        float[] two = trainWithThreads(2, 3, 4);
        assertThat(Arrays.equals(one, two)).as("parameters after 4 steps, 1 vs 2 threads").isTrue();
        assertThat(Arrays.equals(one, LlamaModel.initialized(SMALL, 7).parameterBuffer())).isFalse();
    }

    @Test
    void dataParallelShardsGiveBitIdenticalWeightsForAnyThreadCount() {
        float[] one = trainWithThreads(1, 4, 3); // an even batch: two shards, run one after the other
        for (int threads : new int[] {2, 3, 4}) { // shards side by side, on 1+1, 2+1 and 2+2 threads
            assertThat(Arrays.equals(one, trainWithThreads(threads, 4, 3)))
                    .as("parameters after 3 steps, 1 vs %d threads", threads).isTrue();
        }
    }

    @Test
    void aDataParallelStepEqualsTheSameSequencesOneAtATime() {
        // batch 4 runs as two shards of 2 whose gradients are added; batch 1 × 4 micro-batches has one shard
        int[][] b = randomBatch(9, 4 * 20, SMALL.vocabSize());
        LlamaModel sharded = LlamaModel.initialized(SMALL, 1);
        LlamaModel serial = LlamaModel.initialized(SMALL, 1);
        TrainConfig noClip = new TrainConfig(LrSchedule.constant(1e-3), 0.9, 0.95, 1e-8, 0.1, 0);
        try (WorkerPool pool = new WorkerPool(2);
             Trainer two = new Trainer(sharded, noClip, pool, 4, 20);
             Trainer one = new Trainer(serial, noClip, pool, 1, 20)) {
            assertThat(two.shardBatch()).isEqualTo(2);
            assertThat(one.shardBatch()).isEqualTo(1);
            assertThat(two.evaluate(b[0], b[1])).isCloseTo(one.evaluate(b[0], b[1]), within(1e-5f));
            assertThat(two.step(b[0], b[1])).isCloseTo(one.step(b[0], b[1]), within(1e-5f));
            assertThat(two.lastGradientNorm()).isCloseTo(one.lastGradientNorm(), within(1e-5 * one.lastGradientNorm()));
        }
        // the summed gradients of the step (left in the model's buffer): the same up to float rounding
        float[] gs = sharded.gradientBuffer();
        float[] g1 = serial.gradientBuffer();
        float largest = 0;
        for (float g : g1) {
            largest = Math.max(largest, Math.abs(g));
        }
        assertThat(largest).isGreaterThan(0f);
        for (int i = 0; i < gs.length; i++) {
            assertThat(gs[i]).as("gradient %d", i).isCloseTo(g1[i], within(1e-5f * largest));
        }
    }

    @Test
    void initIsDeterministicWithUnitNormsAndSmallMatrices() {
        LlamaModel a = LlamaModel.initialized(SMALL, 3);
        assertThat(a.parameterBuffer()).isEqualTo(LlamaModel.initialized(SMALL, 3).parameterBuffer());
        assertThat(a.parameterBuffer()).isNotEqualTo(LlamaModel.initialized(SMALL, 4).parameterBuffer());
        for (FloatTensor t : a.parameters()) {
            double sum = 0, sq = 0;
            for (int i = 0; i < t.size(); i++) {
                sum += t.get(i);
                sq += (double) t.get(i) * t.get(i);
            }
            if (t.shape().length == 1) {
                assertThat(sum).isEqualTo(t.size());
            } else {
                assertThat(Math.sqrt(sq / t.size())).as(t.name()).isCloseTo(0.02, within(0.003));
            }
        }
    }

    @Test
    void parametersHaveHuggingFaceNamesAndShapes() {
        LlamaModel model = new LlamaModel(SMALL);
        List<FloatTensor> p = model.parameters();
        assertThat(p).extracting(FloatTensor::name).contains("model.embed_tokens.weight",
                "model.layers.1.self_attn.k_proj.weight", "model.layers.0.mlp.down_proj.weight",
                "model.norm.weight", "lm_head.weight");
        assertThat(p.stream().mapToLong(FloatTensor::size).sum()).isEqualTo(SMALL.parameterCount());
        FloatTensor down = p.stream().filter(t -> t.name().equals("model.layers.0.mlp.down_proj.weight")).findFirst()
                .orElseThrow();
        assertThat(down.shape()).containsExactly(48, 80);
        ModelConfig tied = new ModelConfig(48, 80, 2, 3, 3, 301, 64, 1e-5, 10000.0, true);
        assertThat(new LlamaModel(tied).parameters()).extracting(FloatTensor::name).doesNotContain("lm_head.weight");
        assertThatThrownBy(() -> new LlamaModel(new ModelConfig(48, 80, 2, 3, 1, 301, 64, 1e-5, 1e4, false)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("num_key_value_heads");
    }

    @Test
    void gradientAccumulationOfTwoMicroBatchesEqualsOneBatchOfTwice() {
        int[][] b = randomBatch(5, 4 * 16, SMALL.vocabSize());
        LlamaModel a = LlamaModel.initialized(SMALL, 1);
        LlamaModel c = LlamaModel.initialized(SMALL, 1);
        try (WorkerPool pool = new WorkerPool(2)) {
            float la = new Trainer(a, TrainConfig.peerDefaults(1e-3), pool, 2, 16).step(b[0], b[1]);
            float lc = new Trainer(c, TrainConfig.peerDefaults(1e-3), pool, 4, 16).step(b[0], b[1]);
            assertThat(la).isCloseTo(lc, within(1e-5f));
        }
        float[] pa = a.parameterBuffer();
        float[] pc = c.parameterBuffer();
        for (int i = 0; i < pa.length; i++) {
            assertThat(pa[i]).isCloseTo(pc[i], within(1e-6f));
        }
    }

    @Test
    void tinyModelMemorisesAShortText() {
        byte[] text = ("It was the best of times, it was the worst of times, it was the age of wisdom, "
                + "it was the age of foolishness.").getBytes(StandardCharsets.UTF_8);
        ModelConfig cfg = new ModelConfig(64, 128, 2, 4, 4, 256, 64, 1e-5, 10000.0, false);
        int seq = 32, batch = 4;
        LlamaModel model = LlamaModel.initialized(cfg, 11);
        Random random = new Random(0);
        float first = Float.NaN, last = Float.NaN;
        try (WorkerPool pool = new WorkerPool(2)) {
            Trainer trainer = new Trainer(model, TrainConfig.peerDefaults(3e-3)
                    .withSchedule(LrSchedule.warmupCosine(3e-3, 3e-4, 10, 200)), pool, batch, seq);
            int[] tokens = new int[batch * seq];
            int[] targets = new int[batch * seq];
            for (int step = 0; step < 200; step++) {
                for (int b = 0; b < batch; b++) {
                    int start = random.nextInt(text.length - seq);
                    for (int t = 0; t < seq; t++) {
                        tokens[b * seq + t] = text[start + t] & 0xFF;
                        targets[b * seq + t] = text[start + t + 1] & 0xFF;
                    }
                }
                float loss = trainer.step(tokens, targets);
                if (step == 0) {
                    first = loss;
                }
                last = loss;
            }
        }
        assertThat(first).isCloseTo((float) Math.log(256), within(0.2f));
        assertThat(last).as("loss after 200 steps").isLessThan(0.15f);
    }

    @Test
    void incrementalDecodingMatchesTheFullSequenceForward() {
        LlamaModel model = LlamaModel.initialized(SMALL, 9);
        int seq = 21;
        int[] tokens = randomBatch(3, seq, SMALL.vocabSize())[0];
        try (WorkerPool pool = new WorkerPool(2)) {
            LlamaRunner runner = new LlamaRunner(model, pool, 1, seq);
            runner.forward(tokens, 0, 1, seq);
            float[] expected = new float[SMALL.vocabSize()];
            KvCache cache = runner.newKvCache(seq);
            for (int t = 0; t < seq; t++) {
                float[] logits = runner.forwardToken(tokens[t], t, cache);
                runner.copyLogits(t, expected, 0);
                for (int v = 0; v < expected.length; v++) {
                    assertThat(logits[v]).as("position %d, token %d", t, v).isCloseTo(expected[v], within(2e-5f));
                }
            }
            assertThat(cache.length()).isEqualTo(seq);
        }
    }

    @Test
    void badTokensAndShapesAreUserErrors() {
        LlamaModel model = LlamaModel.initialized(SMALL, 1);
        try (WorkerPool pool = new WorkerPool(1)) {
            Trainer trainer = new Trainer(model, TrainConfig.peerDefaults(1e-3), pool, 2, 8);
            int[][] b = randomBatch(1, 16, SMALL.vocabSize());
            b[1][5] = SMALL.vocabSize();
            assertThatThrownBy(() -> trainer.step(b[0], b[1])).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("outside the vocabulary");
            assertThatThrownBy(() -> trainer.step(new int[15], new int[15])).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("multiple of batch x seq");
            assertThatThrownBy(() -> new LlamaRunner(model, pool, 6000, 64)).as("a workspace beyond the heap")
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("-Xmx");
        }
    }

    @Test
    void steadyStateTrainingAllocatesAlmostNothing() {
        var mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        LlamaModel model = LlamaModel.initialized(SMALL, 2);
        try (WorkerPool pool = new WorkerPool(2)) {
            Trainer trainer = new Trainer(model, TrainConfig.peerDefaults(1e-3), pool, 4, 20); // two shards
            int[][] b = randomBatch(1, 80, SMALL.vocabSize());
            for (int i = 0; i < 300; i++) {
                trainer.step(b[0], b[1]); // warm up until the kernels are compiled (interpreted vectors allocate)
            }
            // the least of several windows: on a loaded machine the JIT may still be compiling (and the
            // interpreter allocating) during one of them, which says nothing about the steady state
            int steps = 20;
            long perStep = Long.MAX_VALUE;
            for (int window = 0; window < 10; window++) {
                long before = allocatedByAllThreads(mx);
                for (int i = 0; i < steps; i++) {
                    trainer.step(b[0], b[1]);
                }
                perStep = Math.min(perStep, (allocatedByAllThreads(mx) - before) / steps);
            }
            // only the small task objects of the parallel loops, a few dozen bytes each, run by both shards
            // (9.7 KB measured in a JVM of its own, which the engine's pom gives every test class); one
            // activation or gradient buffer of this model alone is ~100 KB
            assertThat(perStep).as("bytes allocated per step by all threads").isLessThan(32 * 1024);
        }
    }

    private static long allocatedByAllThreads(ThreadMXBean mx) {
        long sum = 0;
        for (long b : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) {
            sum += Math.max(0, b);
        }
        return sum;
    }

    @Test
    void wholeModelGradientMatchesCentralDifferencesPerTensor() {
        LlamaModel model = new LlamaModel(SMALL);
        Random random = new Random(17);
        float[] params = model.parameterBuffer();
        for (FloatTensor t : model.parameters()) {
            for (int i = 0; i < t.size(); i++) {
                t.set(i, (float) (t.shape().length == 1 ? 1 + 0.2 * random.nextGaussian() : 0.15 * random.nextGaussian()));
            }
        }
        model.weightsChanged();
        int batch = 2, seq = 9;
        int[][] b = randomBatch(8, batch * seq, SMALL.vocabSize());
        try (WorkerPool pool = new WorkerPool(2)) {
            LlamaRunner runner = new LlamaRunner(model, pool, batch, seq);
            model.zeroGradients();
            runner.forwardBackward(b[0], 0, b[1], 0, batch, seq, 1f / (batch * seq));
            float[] grads = model.gradientBuffer().clone();
            double h = 1e-2;
            for (FloatTensor t : model.parameters()) {
                // a random unit direction inside this tensor: its directional derivative is g·u
                double[] u = new double[t.size()];
                double norm = 0;
                for (int i = 0; i < u.length; i++) {
                    u[i] = random.nextGaussian();
                    norm += u[i] * u[i];
                }
                double analytic = 0;
                for (int i = 0; i < u.length; i++) {
                    u[i] /= Math.sqrt(norm);
                    analytic += u[i] * grads[t.offset() + i];
                }
                float[] saved = Arrays.copyOfRange(params, t.offset(), t.offset() + t.size());
                double plus = lossAt(model, runner, t, saved, u, h, b, batch, seq);
                double minus = lossAt(model, runner, t, saved, u, -h, b, batch, seq);
                System.arraycopy(saved, 0, params, t.offset(), saved.length);
                model.weightsChanged();
                double numeric = (plus - minus) / (2 * h);
                assertThat(numeric).as("%s: numeric %s vs analytic %s", t.name(), numeric, analytic)
                        .isCloseTo(analytic, within(0.01 * Math.abs(analytic) + 2e-4));
            }
        }
    }

    private static double lossAt(LlamaModel model, LlamaRunner runner, FloatTensor t, float[] saved, double[] u,
                                 double h, int[][] b, int batch, int seq) {
        for (int i = 0; i < u.length; i++) {
            t.set(i, (float) (saved[i] + h * u[i]));
        }
        model.weightsChanged();
        return runner.loss(b[0], 0, b[1], 0, batch, seq) / (batch * seq);
    }
}
