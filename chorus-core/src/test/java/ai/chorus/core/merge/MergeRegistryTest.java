package ai.chorus.core.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.chorus.engine.InvalidInputException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The registry is the one declaration of every method: what a method builds, refuses and prints follows
 * from its {@link MergeMethodSpec}, for every method and parameter alike.
 */
class MergeRegistryTest {

    /** Two models, the default weights: every method can merge them. */
    private static MergeMethod build(MergeMethodSpec m, Map<String, Object> parameters) {
        return MergeMethods.create("recipe r.yaml", m.name(), 2, null, parameters, () -> new double[] {0.5, 0.5});
    }

    @Test
    void aMethodIsWhatItsSpecDeclares() {
        assertThat(MergeMethods.NAMES).containsExactly("average", "task-arithmetic", "ties", "dare", "slerp");
        for (MergeMethodSpec m : MergeMethods.ALL) {
            MergeMethod built = build(m, Map.of());
            assertThat(built.name()).isEqualTo(m.name());
            assertThat(built.needsBase()).as(m.name()).isEqualTo(m.needsBase());
            Map<String, Object> defaults = new HashMap<>();
            for (MergeParameter p : m.parameters()) {
                defaults.put(p.name(), p.fallback());
            }
            assertThat(built.parameters()).as("%s's parameters in force with nothing given", m.name())
                    .isEqualTo(defaults);
        }
    }

    @Test
    void everyNumberIsRefusedJustOutsideItsRangeAndTakenAtItsClosedEnds() {
        int checked = 0;
        for (MergeMethodSpec m : MergeMethods.ALL) {
            for (MergeParameter p : m.parameters()) {
                if (p.kind() != MergeParameter.Kind.NUMBER) {
                    continue;
                }
                MergeParameter.Range r = p.range();
                for (double end : new double[] {r.min(), r.max()}) {
                    boolean closed = end == r.min() ? r.minInclusive() : r.maxInclusive();
                    if (closed) {
                        assertThat(build(m, Map.of(p.name(), end)).parameters()).containsEntry(p.name(), end);
                    } else {
                        refused(m, p, end);
                    }
                }
                refused(m, p, Math.nextDown(r.min()));
                refused(m, p, Math.nextUp(r.max()));
                checked++;
            }
        }
        assertThat(checked).as("number parameters declared").isEqualTo(6);
    }

    private static void refused(MergeMethodSpec m, MergeParameter p, double value) {
        assertThatThrownBy(() -> build(m, Map.of(p.name(), value)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("parameter " + p.name() + " of " + m.name() + " must be in " + p.range());
    }

    @Test
    void unknownNamesAreRefusedWithTheChoices() {
        assertThatThrownBy(() -> MergeMethods.create("--method x", "mystery", 2, null, Map.of(), () -> null))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("--method x: unknown merge method \"mystery\"; use one of average, task-arithmetic, ties,"
                        + " dare, slerp");
        assertThatThrownBy(() -> build(Ties.SPEC, Map.of("drop", 0.5)))
                .hasMessageEndingWith("unknown parameter drop for method ties (it takes density, lambda)");
        assertThatThrownBy(() -> build(Average.SPEC, Map.of("weighting", "loudest")))
                .hasMessageContaining("weighting of average must be one of data, uniform, got \"loudest\"");
    }

    @Test
    void helpListsEveryMethodAndParameterWithItsRangeAndDefault() {
        String help = MergeMethods.help();
        for (MergeMethodSpec m : MergeMethods.ALL) {
            assertThat(help).contains(m.name() + (m.needsBase() ? " (needs a base" : ": "));
            for (MergeParameter p : m.parameters()) {
                assertThat(help).contains("    " + p.help());
            }
        }
        assertThat(help).contains("density (number in (0, 1], default 0.2)")
                .contains("drop (number in [0, 1), default 0.9)")
                .contains("lambda (number in [-10, 10], default 1)")
                .contains("weighting (data|uniform, default data)")
                .contains("seed (integer, default 0)");
    }
}
