package ai.chorus.engine.kernel;

import java.util.Random;
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
            float[] e = new float[Vec.VL];
            Vec.exp(x, 0, e);
            for (int i = 0; i < Vec.VL; i++) {
                float scalar = Vec.exp(x[i]);
                assertThat(Float.floatToRawIntBits(e[i])).as("exp(%s)", x[i])
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
            float[] l = new float[Vec.VL];
            Vec.log(x, 0, l);
            for (int i = 0; i < Vec.VL; i++) {
                float scalar = Vec.log(x[i]);
                assertThat(Float.floatToRawIntBits(l[i])).as("log(%s)", x[i])
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
        assertThat((double) Vec.sumLanes(x, 0)).isCloseTo(expected, within(1e-6));
    }

    /** The clustering's dot, written out in scalar code: VL lane accumulators of fma, summed in lane order, fma tail. */
    private static float referenceRowDot(float[] a, int ao, float[] b, int bo, int n) {
        int vl = Vec.VL;
        float[] lanes = new float[vl];
        int full = n / vl * vl;
        for (int i = 0; i < full; i++) {
            lanes[i % vl] = Math.fma(a[ao + i], b[bo + i], lanes[i % vl]);
        }
        float sum = 0f;
        for (float lane : lanes) {
            sum += lane;
        }
        for (int i = full; i < n; i++) {
            sum = Math.fma(a[ao + i], b[bo + i], sum);
        }
        return sum;
    }

    @Test
    void rowDotsEqualTheScalarReferenceBitForBitWhateverTheBlocking() {
        Random random = new Random(7);
        for (int d : new int[] {1, Vec.VL - 1, Vec.VL, 3 * Vec.VL + 5, 64}) {
            int rows = 11;
            int k = 7;
            float[] x = gaussians(random, rows * d);
            float[] c = gaussians(random, k * d);
            float[] all = new float[rows * k];
            Vec.rowDots(x, 0, rows, c, k, d, all, 0);
            for (int r = 0; r < rows; r++) {
                float[] one = new float[k + 3];
                Vec.rowDots(x, r, 1, c, k, d, one, 3); // the same row alone, written at an offset
                for (int j = 0; j < k; j++) {
                    int expected = Float.floatToRawIntBits(referenceRowDot(x, r * d, c, j * d, d));
                    assertThat(Float.floatToRawIntBits(all[r * k + j])).as("d %d, row %d, centre %d", d, r, j)
                            .isEqualTo(expected);
                    assertThat(Float.floatToRawIntBits(one[3 + j])).isEqualTo(expected);
                    assertThat(Float.floatToRawIntBits(Vec.rowDot(x, r * d, c, j * d, d))).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void signElectedMeanIsTiesWrittenEntryByEntry() {
        Random random = new Random(11);
        int n = 4;
        int count = 5 * 8 + 3; // full vectors of every species, then a scalar tail
        double[][] rows = new double[n][count];
        double[] weights = {0.5, 1.0, 0.25, 2.0};
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < count; j++) {
                int kind = random.nextInt(4); // zeros (dropped), ties of sign, plain values
                rows[i][j] = kind == 0 ? 0.0 : kind == 1 ? -0.0 : random.nextGaussian();
            }
        }
        rows[0][1] = 1.0; // a vote of exactly 0 elects +
        rows[1][1] = -1.0;
        rows[2][1] = 0.0;
        rows[3][1] = -0.0;
        double[] mean = new double[count];
        double[] weight = new double[count];
        Vec.signElectedMean(rows, n, count, weights, 0.7, mean, weight);
        for (int j = 0; j < count; j++) {
            double vote = 0;
            for (int i = 0; i < n; i++) {
                vote += rows[i][j];
            }
            boolean positive = !(vote < 0) && !(vote == 0 && 1 / vote < 0);
            double agreeing = 0;
            double w = 0;
            for (int i = 0; i < n; i++) {
                double v = rows[i][j];
                if (v != 0 && (v > 0) == positive) {
                    agreeing += v;
                    w += weights[i];
                }
            }
            assertThat(weight[j]).as("weight %d", j).isEqualTo(w);
            assertThat(Double.doubleToRawLongBits(mean[j])).as("mean %d", j)
                    .isEqualTo(Double.doubleToRawLongBits(0.7 * (agreeing / w)));
        }
        assertThat(weight[1]).isEqualTo(0.5); // the + of the tied vote
    }

    private static float[] gaussians(Random random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }
}
