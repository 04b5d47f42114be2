package ai.chorus.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.parallel.WorkerPool;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class FfnResizeTest {
    private static final WorkerPool POOL = new WorkerPool(1);
    private static final int BATCH = 2;
    private static final int SEQ = 12;

    @AfterAll
    static void close() {
        POOL.close();
    }

    private static ModelConfig config(int ffn) {
        return ModelConfig.of(97, 32, 2, 4, ffn, 16);
    }

    /** A model with weights large enough that every unit matters to the logits. */
    private static LlamaModel random(int ffn, long seed) {
        LlamaModel m = new LlamaModel(config(ffn));
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = m.parameterBuffer();
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * 0.2);
        }
        m.weightsChanged();
        return m;
    }

    private static float[] logits(LlamaModel m) {
        int[] tokens = new SplittableRandom(7).ints(BATCH * SEQ, 0, m.config().vocabSize()).toArray();
        LlamaRunner runner = new LlamaRunner(m, POOL, BATCH, SEQ);
        runner.forward(tokens, 0, BATCH, SEQ);
        int v = m.config().vocabSize();
        float[] out = new float[BATCH * SEQ * v];
        for (int row = 0; row < BATCH * SEQ; row++) {
            runner.copyLogits(row, out, row * v);
        }
        return out;
    }

    private static void assertClose(float[] actual, float[] expected) {
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        assertThat(worst).isLessThanOrEqualTo(1e-5 * Math.max(1, scale));
    }

    private static FloatTensor tensor(LlamaModel m, String name) {
        return m.parameters().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void sameWidthCopiesEveryWeightExactly() {
        LlamaModel seed = random(48, 1);
        LlamaModel copy = new LlamaModel(config(48));
        FfnResize.copy(seed, copy, 99);
        assertThat(copy.parameterBuffer()).containsExactly(seed.parameterBuffer());
    }

    @Test
    void wideningComputesTheSameFunctionAndDrawsTheNewUnits() {
        LlamaModel seed = random(48, 2);
        LlamaModel wide = new LlamaModel(config(80));
        FfnResize.copy(seed, wide, 5);
        assertClose(logits(wide), logits(seed));
        // the new units are live (drawn, not zero) in gate and up, silent in down
        FloatTensor gate = tensor(wide, "model.layers.1.mlp.gate_proj.weight");
        FloatTensor down = tensor(wide, "model.layers.1.mlp.down_proj.weight");
        int d = 32;
        double newGate = 0;
        for (int i = 48 * d; i < 80 * d; i++) {
            newGate += Math.abs(gate.get(i));
        }
        assertThat(newGate / (32 * d)).isBetween(0.005, 0.05); // |N(0, 0.02²)| has mean 0.016
        for (int r = 0; r < d; r++) {
            for (int u = 48; u < 80; u++) {
                assertThat(down.get(r * 80 + u)).isZero();
            }
        }
    }

    @Test
    void narrowingDropsSilentUnitsWithoutChangingTheFunction() {
        LlamaModel seed = random(48, 3);
        int d = 32;
        // silence units 5, 17, …: a zero down column means the unit contributes nothing
        int[] silent = {5, 17, 18, 30, 41, 47};
        for (int layer = 0; layer < 2; layer++) {
            FloatTensor down = tensor(seed, "model.layers." + layer + ".mlp.down_proj.weight");
            for (int r = 0; r < d; r++) {
                for (int u : silent) {
                    down.set(r * 48 + u, 0f);
                }
            }
        }
        seed.weightsChanged();
        LlamaModel narrow = new LlamaModel(config(48 - silent.length));
        FfnResize.copy(seed, narrow, 5);
        assertClose(logits(narrow), logits(seed));
    }

    @Test
    void narrowingKeepsTheStrongestUnitsInOrder() {
        LlamaModel seed = random(8, 4);
        int d = 32;
        // make unit 6 by far the strongest of layer 0 and unit 1 the second
        FloatTensor up = tensor(seed, "model.layers.0.mlp.up_proj.weight");
        for (int i = 0; i < d; i++) {
            up.set(6 * d + i, up.get(6 * d + i) * 100);
            up.set(1 * d + i, up.get(1 * d + i) * 10);
        }
        seed.weightsChanged();
        LlamaModel narrow = new LlamaModel(config(2));
        FfnResize.copy(seed, narrow, 5);
        FloatTensor kept = tensor(narrow, "model.layers.0.mlp.up_proj.weight");
        for (int i = 0; i < d; i++) {
            assertThat(kept.get(i)).isEqualTo(up.get(1 * d + i));
            assertThat(kept.get(d + i)).isEqualTo(up.get(6 * d + i));
        }
    }

    @Test
    void refusesAnyOtherShapeChange() {
        LlamaModel seed = random(48, 5);
        LlamaModel wider = new LlamaModel(ModelConfig.of(97, 64, 2, 4, 48, 16));
        assertThatThrownBy(() -> FfnResize.copy(seed, wider, 1)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("only intermediate_size may differ");
        assertThat(FfnResize.resizable(config(48), config(96))).isTrue();
        assertThat(FfnResize.resizable(config(48), ModelConfig.of(97, 32, 3, 4, 48, 16))).isFalse();
    }
}
