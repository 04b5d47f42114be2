package ai.chorus.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.chorus.core.eval.PairedBootstrap.Interval;
import ai.chorus.core.eval.PairedBootstrap.Verdict;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PairedBootstrapTest {
    /**
     * Documents of 50 to 500 tokens whose difficulty varies a lot (dense's NLL per token ~ N(3, 0.5)) and whose
     * change per token under the model varies a little around {@code shift} (~ N(shift, 0.1), per document).
     */
    private record Documents(double[] model, double[] dense, long[] tokens) {
        static Documents draw(int n, double shift, long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            double[] model = new double[n];
            double[] dense = new double[n];
            long[] tokens = new long[n];
            for (int i = 0; i < n; i++) {
                tokens[i] = 50 + r.nextInt(451);
                dense[i] = tokens[i] * (3 + 0.5 * gaussian(r));
                model[i] = dense[i] + tokens[i] * (shift + 0.1 * gaussian(r));
            }
            return new Documents(model, dense, tokens);
        }
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller: SplittableRandom has no nextGaussian before Java 17's RandomGenerator default
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    @Test
    void aModelIdenticalToDenseHasTheIntervalZeroZero() {
        Documents d = Documents.draw(40, 0, 1);
        Interval ci = PairedBootstrap.standard().interval(d.dense(), d.dense(), d.tokens());
        assertThat(ci.low()).isZero();
        assertThat(ci.high()).isZero();
        assertThat(ci.verdict()).isEqualTo(Verdict.NOT_DISTINGUISHABLE);
    }

    @Test
    void theSameShiftOnEveryTokenGivesADegenerateIntervalAtTheExactChange() {
        // log p_model = log p_dense − c on every token: perplexity is e^c times dense's on any set of documents
        Documents d = Documents.draw(60, 0, 2);
        double c = -0.2;
        double[] model = new double[d.dense().length];
        for (int i = 0; i < model.length; i++) {
            model[i] = d.dense()[i] + c * d.tokens()[i];
        }
        double exact = 100 * (Math.exp(c) - 1);
        Interval ci = PairedBootstrap.standard().interval(model, d.dense(), d.tokens());
        assertThat(ci.low()).isCloseTo(exact, within(1e-9));
        assertThat(ci.high()).isCloseTo(exact, within(1e-9));
        assertThat(PairedBootstrap.percentChange(model, d.dense(), d.tokens())).isCloseTo(exact, within(1e-9));
        assertThat(ci.verdict()).isEqualTo(Verdict.BEATS);
    }

    @Test
    void coversTheTrueChangeAboutNinetyFivePercentOfTheTime() {
        // the population's change: E[Σ diff] / E[tokens] = shift per token, independent of length
        double shift = -0.1;
        double truth = 100 * Math.expm1(shift);
        int trials = 400;
        int covered = 0;
        double width = 0;
        PairedBootstrap bootstrap = PairedBootstrap.standard();
        for (int t = 0; t < trials; t++) {
            Documents d = Documents.draw(100, shift, 1000 + t);
            Interval ci = bootstrap.interval(d.model(), d.dense(), d.tokens());
            covered += ci.contains(truth) ? 1 : 0;
            width += (ci.high() - ci.low()) / trials;
        }
        // binomial sd at 95 %: 1.1 points; the percentile bootstrap under-covers slightly at n = 100
        assertThat(covered / (double) trials).isBetween(0.91, 0.98);
        // the per-document spread of the change is 0.1 nats/token over ~100 documents: about ±2 % wide
        assertThat(width).isBetween(2.0, 6.0);
    }

    @Test
    void theIntervalHoldsThePointEstimateAndDependsOnlyOnTheSeed() {
        Documents d = Documents.draw(80, 0.05, 3);
        double point = PairedBootstrap.percentChange(d.model(), d.dense(), d.tokens());
        Interval a = PairedBootstrap.standard().interval(d.model(), d.dense(), d.tokens());
        Interval b = PairedBootstrap.standard().interval(d.model(), d.dense(), d.tokens());
        assertThat(a).isEqualTo(b);
        assertThat(a.contains(point)).as("%s holds %s", a, point).isTrue();
        assertThat(a.low()).isLessThan(a.high());
        Interval other = new PairedBootstrap(PairedBootstrap.RESAMPLES, PairedBootstrap.SEED + 1)
                .interval(d.model(), d.dense(), d.tokens());
        assertThat(other).isNotEqualTo(a);
        // another seed moves each endpoint by a small part of the width (2,000 resamples)
        assertThat(Math.abs(other.low() - a.low())).isLessThan(0.1 * (a.high() - a.low()));
        assertThat(Math.abs(other.high() - a.high())).isLessThan(0.1 * (a.high() - a.low()));
    }

    @Test
    void onlyAnIntervalWhollyBelowZeroBeatsDense() {
        assertThat(new Interval(-3, -0.1).verdict()).isEqualTo(Verdict.BEATS);
        assertThat(new Interval(-3, 0).verdict()).isEqualTo(Verdict.NOT_DISTINGUISHABLE);
        assertThat(new Interval(-3, 1).verdict()).isEqualTo(Verdict.NOT_DISTINGUISHABLE);
        assertThat(new Interval(0.1, 2).verdict()).isEqualTo(Verdict.WORSE);
        assertThat(Verdict.BEATS.phrase()).isEqualTo("beats dense");
    }

    @Test
    void quantilesInterpolateBetweenOrderStatistics() {
        double[] sorted = {0, 10, 20, 30, 40};
        assertThat(PairedBootstrap.quantile(sorted, 0)).isEqualTo(0);
        assertThat(PairedBootstrap.quantile(sorted, 1)).isEqualTo(40);
        assertThat(PairedBootstrap.quantile(sorted, 0.5)).isEqualTo(20);
        assertThat(PairedBootstrap.quantile(sorted, 0.025)).isCloseTo(1.0, within(1e-12)); // numpy: 1.0
    }
}
