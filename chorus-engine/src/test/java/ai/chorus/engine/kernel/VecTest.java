package ai.chorus.engine.kernel;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The deterministic exp, log and lane sum that replace lanewise(EXP), lanewise(LOG) and reduceLanes(ADD). */
class VecTest {

    @Test
    void vectorExpEqualsItsScalarTwinBitForBitAndMathExpToTwoUlps() {
        float[] x = new float[Vec.VL];
        for (float start = -90f; start < 90f; start += 0.37f * Vec.VL) {
            for (int i = 0; i < Vec.VL; i++) {
                x[i] = start + 0.37f * i;
            }
            FloatVector e = Vec.exp(FloatVector.fromArray(Vec.SPECIES, x, 0));
            for (int i = 0; i < Vec.VL; i++) {
                float scalar = Vec.exp(x[i]);
                assertThat(Float.floatToRawIntBits(e.lane(i))).as("exp(%s)", x[i])
                        .isEqualTo(Float.floatToRawIntBits(scalar));
                if (x[i] > -87f && x[i] < 88f) {
                    double exact = Math.exp(x[i]);
                    assertThat((double) scalar).as("exp(%s)", x[i]).isCloseTo(exact, within(2.5e-7 * exact));
                }
            }
        }
    }

    @Test
    void vectorLogEqualsItsScalarTwinBitForBitAndMathLogClosely() {
        float[] x = new float[Vec.VL];
        // every binade of the positive normal floats, at irregular points within each
        for (float start = Float.MIN_NORMAL; start < 1e38f; start *= 1.37f) {
            for (int i = 0; i < Vec.VL; i++) {
                x[i] = start * (1f + 0.113f * i);
            }
            FloatVector l = Vec.log(FloatVector.fromArray(Vec.SPECIES, x, 0));
            for (int i = 0; i < Vec.VL; i++) {
                float scalar = Vec.log(x[i]);
                assertThat(Float.floatToRawIntBits(l.lane(i))).as("log(%s)", x[i])
                        .isEqualTo(Float.floatToRawIntBits(scalar));
                double exact = Math.log(x[i]);
                assertThat((double) scalar).as("log(%s)", x[i]).isCloseTo(exact, within(1.2e-7 * Math.max(1, Math.abs(exact))));
            }
        }
        assertThat(Vec.log(1f)).isZero();
    }

    @Test
    void laneSumIsTheSumOfTheLanes() {
        float[] x = new float[Vec.VL];
        double expected = 0;
        for (int i = 0; i < Vec.VL; i++) {
            x[i] = 1f / (i + 1);
            expected += x[i];
        }
        assertThat((double) Vec.sumLanes(FloatVector.fromArray(Vec.SPECIES, x, 0))).isCloseTo(expected, within(1e-6));
    }
}
