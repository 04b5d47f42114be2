package ai.chorus.core.corpus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.strings;

import ai.chorus.engine.InvalidInputException;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SplitPropertiesTest {

    @Test
    void idAndSplitDependOnTheTextAlone() {
        qt().withFixedSeed(42L).withExamples(500).forAll(strings().allPossible().ofLengthBetween(0, 200))
                .checkAssert(text -> {
                    DocumentId id = DocumentId.ofText(text);
                    assertThat(DocumentId.ofText(new String(text.toCharArray()))).isEqualTo(id);
                    assertThat(DocumentId.parse(id.hex())).isEqualTo(id);
                    assertThat(SplitRatios.DEFAULT.splitOf(id)).isEqualTo(SplitRatios.parse("90/5/5").splitOf(id));
                });
    }

    @Test
    void splitFractionsAreHonouredOnManyDocuments() {
        Map<Split, Integer> counts = new EnumMap<>(Split.class);
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            counts.merge(SplitRatios.DEFAULT.splitOf(DocumentId.ofText("doc " + i)), 1, Integer::sum);
        }
        // Binomial standard deviation at 5% of 20k is ~31; allow 5 sigma.
        assertThat(counts.get(Split.VALID)).isBetween(1000 - 155, 1000 + 155);
        assertThat(counts.get(Split.TEST)).isBetween(1000 - 155, 1000 + 155);
    }

    @Test
    void growingTheValidShareOnlyMovesDocumentsOutOfTrain() {
        SplitRatios small = SplitRatios.parse("90/5/5");
        SplitRatios larger = SplitRatios.parse("80/15/5");
        for (int i = 0; i < 5000; i++) {
            DocumentId id = DocumentId.ofText("doc " + i);
            if (small.splitOf(id) == Split.VALID) {
                assertThat(larger.splitOf(id)).isEqualTo(Split.VALID);
            }
        }
    }

    @Test
    void badSplitSpecsAreRefused() {
        assertThatThrownBy(() -> SplitRatios.parse("90/10")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--split");
        assertThatThrownBy(() -> SplitRatios.parse("a/b/c")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> SplitRatios.parse("0/50/50")).isInstanceOf(InvalidInputException.class);
    }
}
