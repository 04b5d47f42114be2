package ai.chorus.engine.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import org.junit.jupiter.api.Test;

class HalfFloatsTest {

    /** Every one of the 65,536 halves against the textbook formula (-1)^s · 2^(e-15) · 1.m, in double. */
    @Test
    void widensEveryHalfExactly() {
        for (int h = 0; h < 0x10000; h++) {
            int sign = h >>> 15;
            int exponent = (h >>> 10) & 0x1f;
            int mantissa = h & 0x3ff;
            float actual = HalfFloats.halfToFloat((short) h);
            if (exponent == 0x1f) {
                assertThat(mantissa == 0 ? Float.isInfinite(actual) : Float.isNaN(actual)).isTrue();
                continue;
            }
            double magnitude = exponent == 0 ? mantissa * Math.pow(2, -24)
                    : (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
            double expected = sign == 1 ? -magnitude : magnitude;
            assertThat(Float.floatToRawIntBits(actual)).as("half %04x", h)
                    .isEqualTo(Float.floatToRawIntBits((float) expected));
        }
    }

    @Test
    void narrowingInvertsWidening() {
        for (int h = 0; h < 0x10000; h++) {
            float f = HalfFloats.halfToFloat((short) h);
            short back = HalfFloats.floatToHalf(f);
            if (Float.isNaN(f)) {
                assertThat(Float.isNaN(HalfFloats.halfToFloat(back))).isTrue();
            } else {
                assertThat(back & 0xffff).as("half %04x", h).isEqualTo(h);
            }
        }
    }

    /** Narrowing picks the nearest half (ties to even mantissa), checked against the neighbours. */
    @Test
    void narrowingRoundsToNearestEven() {
        qt().withFixedSeed(42L).withExamples(5000).forAll(integers().all()).checkAssert(bits -> {
            float x = Float.intBitsToFloat(bits);
            if (Float.isNaN(x) || Math.abs(x) > 65504f) {
                return;
            }
            int h = HalfFloats.floatToHalf(x) & 0xffff;
            double chosen = HalfFloats.halfToFloat((short) h);
            double error = Math.abs(chosen - x);
            for (int neighbour : new int[] {h - 1, h + 1}) {
                if ((neighbour & 0x7fff) >= 0x7c00 || neighbour < 0 || neighbour > 0xffff
                        || (neighbour >>> 15) != (h >>> 15)) {
                    continue;
                }
                double other = Math.abs(HalfFloats.halfToFloat((short) neighbour) - (double) x);
                assertThat(error).isLessThanOrEqualTo(other);
                if (error == other) {
                    assertThat(h & 1).as("tie goes to the even half").isZero();
                }
            }
        });
    }

    @Test
    void overflowAndUnderflow() {
        assertThat(HalfFloats.floatToHalf(65520f)).isEqualTo((short) 0x7c00); // rounds up to infinity
        assertThat(HalfFloats.floatToHalf(65519f)).isEqualTo((short) 0x7bff);
        assertThat(HalfFloats.floatToHalf(1e-9f)).isEqualTo((short) 0);
        assertThat(HalfFloats.floatToHalf(-1e-9f)).isEqualTo((short) 0x8000);
        assertThat(HalfFloats.floatToHalf(0x1p-24f)).isEqualTo((short) 1);
        assertThat(HalfFloats.floatToHalf(0x1p-25f)).isEqualTo((short) 0); // tie to even zero
    }

    @Test
    void bfloat16IsTheTopHalfOfAFloat() {
        assertThat(HalfFloats.bfloat16ToFloat((short) 0x3f80)).isEqualTo(1.0f);
        assertThat(HalfFloats.bfloat16ToFloat((short) 0xc040)).isEqualTo(-3.0f);
        assertThat(HalfFloats.bfloat16ToFloat((short) 0x7f80)).isEqualTo(Float.POSITIVE_INFINITY);
    }
}
