package ai.chorus.core.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

import ai.chorus.core.run.RunDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.QuickTheory;

class TextAndSmoothingTest {
    private static final QuickTheory QT = QuickTheory.qt().withFixedSeed(42L);

    @Test
    void escapingRoundTripsAndLeavesNoMarkup() {
        QT.forAll(strings().basicMultilingualPlaneAlphabet().ofLengthBetween(0, 40)).checkAssert(text -> {
            String escaped = Html.escape(text);
            assertThat(escaped).doesNotContain("<", ">", "\"", "'");
            assertThat(unescape(escaped)).isEqualTo(text);
        });
    }

    @Test
    void smoothingKeepsConstantsAndStaysWithinTheRange() {
        QT.forAll(lists().of(doubles().between(-10, 10)).ofSizeBetween(1, 60), integers().between(1, 30))
                .checkAssert((values, window) -> {
                    double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
                    double[] s = TrainCurve.smooth(v, window);
                    double lo = values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
                    double hi = values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
                    assertThat(s).hasSameSizeAs(v);
                    assertThat(s[0]).isEqualTo(v[0]); // no start-up bias
                    for (double x : s) {
                        assertThat(x).isBetween(lo - 1e-9, hi + 1e-9);
                    }
                    assertThat(TrainCurve.smooth(v, 1)).containsExactly(v);
                    double[] constant = new double[v.length];
                    java.util.Arrays.fill(constant, v[0]);
                    for (double x : TrainCurve.smooth(constant, window)) {
                        assertThat(x).isCloseTo(v[0], org.assertj.core.data.Offset.offset(1e-12));
                    }
                });
    }

    @Test
    void readsTrainLogsWithValidationOnSomeLines(@TempDir Path dir) throws IOException {
        Path log = RunDir.curves(dir);
        Files.write(log, List.of(
                "{\"step\":1,\"tokens\":2048,\"loss\":8.3,\"lr\":1.25E-4,\"grad_norm\":0.99}",
                "",
                "{\"step\":2,\"tokens\":4096,\"loss\":8.1,\"lr\":2.5E-4,\"grad_norm\":0.96,\"val_loss\":8.0}",
                "{\"step\":3,\"tokens\":6144,\"lo"));
        TrainCurve curve = TrainCurve.read(log);
        assertThat(curve.tokens()).containsExactly(2048, 4096);
        assertThat(curve.loss()).containsExactly(8.3, 8.1);
        assertThat(curve.validTokens()).containsExactly(4096);
        assertThat(curve.validLoss()).containsExactly(8.0);
        assertThat(curve.skippedLines()).isEqualTo(1);
    }

    @Test
    void formatsNumbersForPeople() {
        assertThat(Html.percentChange(140.3 / 180.4)).isEqualTo("\u221222.2%");
        assertThat(Html.percentChange(1.025)).isEqualTo("+2.5%");
        assertThat(Html.flops(9.038758674432E12)).isEqualTo("9.04 TFLOP");
        assertThat(Html.tokens(999_424)).isEqualTo("999k");
        assertThat(Html.tokens(1_000_000)).isEqualTo("1M");
        assertThat(Html.tokens(2_500_000)).isEqualTo("2.5M");
        assertThat(Html.tokens(0)).isEqualTo("0");
        assertThat(Charts.roundUp(999_424)).isEqualTo(1e6);
        assertThat(Charts.roundUp(61_440)).isEqualTo(80_000);
        assertThat(Charts.roundUp(307_200)).isEqualTo(400_000);
        assertThat(Charts.roundUp(20_480)).isEqualTo(25_000);
        assertThat(Charts.roundUp(40_960)).isEqualTo(50_000);
        assertThat(Charts.roundUp(2_000)).isEqualTo(2_000);
        assertThat(Html.count(1_234_567)).isEqualTo("1\u202f234\u202f567");
        assertThat(Html.number(Double.NaN)).isEqualTo("–");
    }

    private static String unescape(String s) {
        return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
                .replace("&amp;", "&");
    }
}
