package ai.chorus.engine.model;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The parameter and activation layouts tile their buffers: every float belongs to exactly one tensor. */
class LayoutsTest {

    private static final ModelConfig CONFIG = ModelConfig.of(50, 12, 3, 2, 20, 16);

    @Test
    void activationTensorsTileTheWorkspaceInForwardOrder() {
        int batch = 3, seq = 7, rows = batch * seq, d = 12, f = 20, heads = 2, vocab = 50;
        ActivationLayout at = new ActivationLayout(CONFIG, batch, seq);
        List<int[]> spans = new ArrayList<>(); // {offset, length}
        spans.add(new int[] {at.embedded(), rows * d});
        for (int l = 0; l < CONFIG.numHiddenLayers(); l++) {
            ActivationLayout.Layer a = at.layer(l);
            assertThat(a.input()).isEqualTo(l == 0 ? at.embedded() : at.layer(l - 1).output());
            spans.add(new int[] {a.ln1(), rows * d});
            spans.add(new int[] {a.ln1Rinv(), rows});
            spans.add(new int[] {a.qkv(), rows * 3 * d});
            spans.add(new int[] {a.probs(), rows * heads * seq});
            spans.add(new int[] {a.attended(), rows * d});
            spans.add(new int[] {a.mid(), rows * d});
            spans.add(new int[] {a.ln2(), rows * d});
            spans.add(new int[] {a.ln2Rinv(), rows});
            spans.add(new int[] {a.gateUp(), rows * 2 * f});
            spans.add(new int[] {a.hidden(), rows * f});
            spans.add(new int[] {a.output(), rows * d});
        }
        assertThat(at.lnFinalInput()).isEqualTo(at.layer(CONFIG.numHiddenLayers() - 1).output());
        spans.add(new int[] {at.lnFinal(), rows * d});
        spans.add(new int[] {at.lnFinalRinv(), rows});
        spans.add(new int[] {at.logits(), rows * vocab});
        spans.add(new int[] {at.proj(), rows * d});
        assertTiles(spans, at.size());
    }

    @Test
    void parameterTensorsTileTheBuffer() {
        ParameterLayout p = new ParameterLayout(CONFIG);
        List<int[]> spans = new ArrayList<>();
        p.views(new float[p.size()], "").forEach(t -> spans.add(new int[] {t.offset(), t.size()}));
        assertTiles(spans, p.size());
        assertThat(p.layer(1).qkv()).isEqualTo(p.layer(1).inputNorm() + 12);
    }

    @Test
    void aWorkspaceBeyondOneJavaArrayIsRefusedInOneLine() {
        ModelConfig wide = ModelConfig.of(300_000, 4096, 1, 32, 8, 4096);
        assertThatThrownBy(() -> new ActivationLayout(wide, 64, 4096))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("reduce the batch size or sequence length")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> new ParameterLayout(wide))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("reduce hidden_size, layers or vocab_size");
    }

    /** Every float of [0, size) is covered by exactly one span. */
    private static void assertTiles(List<int[]> spans, int size) {
        int[] cover = new int[size];
        for (int[] s : spans) {
            for (int i = s[0]; i < s[0] + s[1]; i++) {
                cover[i]++;
            }
        }
        for (int i = 0; i < size; i++) {
            assertThat(cover[i]).as("float %d of %d covered", i, size).isEqualTo(1);
        }
    }
}
