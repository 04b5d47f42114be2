package ai.chorus.engine.optim;

import ai.chorus.engine.InvalidInputException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

class LrScheduleTest {

    @Test
    void warmsUpLinearlyThenFollowsACosineToTheMinimum() {
        LrSchedule s = LrSchedule.warmupCosine(1e-3, 1e-4, 10, 110);
        assertThat(s.lr(0)).isCloseTo(1e-4, within(1e-12));
        assertThat(s.lr(9)).isCloseTo(1e-3, within(1e-12));
        assertThat(s.lr(10)).isCloseTo(1e-3, within(1e-12));
        assertThat(s.lr(60)).isCloseTo(5.5e-4, within(1e-12)); // halfway: the mean of max and min
        assertThat(s.lr(110)).isCloseTo(1e-4, within(1e-12));
        assertThat(s.lr(10_000)).isCloseTo(1e-4, within(1e-12));
        assertThat(LrSchedule.constant(3e-4).lr(12345)).isEqualTo(3e-4);
    }

    @Test
    void neverLeavesTheRangeAndNeverRisesAfterWarmup() {
        LrSchedule s = LrSchedule.warmupCosine(2e-3, 2e-4, 50, 1000);
        qt().withFixedSeed(42L).forAll(integers().between(50, 1200)).checkAssert(step -> {
            assertThat(s.lr(step)).isBetween(2e-4, 2e-3);
            assertThat(s.lr(step + 1)).isLessThanOrEqualTo(s.lr(step));
        });
    }

    @Test
    void rejectsImpossibleSettings() {
        assertThatThrownBy(() -> LrSchedule.warmupCosine(1e-3, 1e-2, 0, 10)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> LrSchedule.warmupCosine(1e-3, 0, 20, 10)).isInstanceOf(InvalidInputException.class);
    }
}
