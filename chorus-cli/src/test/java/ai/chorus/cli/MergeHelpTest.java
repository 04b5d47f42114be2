package ai.chorus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.chorus.core.merge.MergeMethodSpec;
import ai.chorus.core.merge.MergeMethods;
import ai.chorus.core.merge.MergeParameter;
import org.junit.jupiter.api.Test;

/** {@code chorus merge --help} is written from the merge registry: every method, every parameter, nothing typed twice. */
class MergeHelpTest {
    @Test
    void helpNamesEveryRegisteredMethodAndParameterWithItsRangeAndDefault() {
        CliRunner.Result r = CliRunner.run("merge", "--help");
        assertThat(r.exitCode()).isZero();
        String help = r.out().replaceAll("\\s+", " "); // the footer is wrapped to the terminal's width
        assertThat(help).contains("method's defaults: " + String.join(", ", MergeMethods.NAMES) + ".");
        for (MergeMethodSpec m : MergeMethods.ALL) {
            assertThat(help).contains(" " + m.name() + (m.needsBase() ? " (needs a base" : ": "));
            for (MergeParameter p : m.parameters()) {
                assertThat(help).as(m.name()).contains(p.help().replaceAll("\\s+", " "));
            }
        }
        assertThat(r.out().lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
    }
}
