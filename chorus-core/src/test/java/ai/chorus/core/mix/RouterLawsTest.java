package ai.chorus.core.mix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The laws every router and the mixture obey, checked on random experts, contexts and priors. */
class RouterLawsTest {

    /** A random routing situation: K experts, a context of some tokens, distances and a prior. */
    private record Case(int experts, int k, double tau, double[] prior, double[] distances, RoutingContext context,
                        int truth) {}

    private static Case randomCase(long seed, int experts) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] prior = new double[experts];
        double[] distances = new double[experts];
        float[][] logProbs = new float[experts][20];
        for (int j = 0; j < experts; j++) {
            prior[j] = 0.05 + r.nextDouble();
            distances[j] = 4 * r.nextDouble(); // unit vectors: d² in [0, 4]
            for (int t = 0; t < 20; t++) {
                logProbs[j][t] = (float) (-0.1 - 5 * r.nextDouble());
            }
        }
        int truth = r.nextInt(experts);
        RoutingContext context = new RoutingContext(experts, (tokens, length) -> "text of " + length + " tokens");
        context.reset(truth);
        int length = r.nextInt(21);
        for (int t = 0; t < length; t++) {
            context.append(r.nextInt(100), logProbs, t);
        }
        return new Case(experts, 1 + r.nextInt(experts), 0.05 + r.nextDouble(), prior, distances, context, truth);
    }

    private static List<Router> routers(Case c) {
        Routers.Inputs in = new Routers.Inputs(c.prior(), text -> c.distances().clone(), c.tau());
        return Routers.NAMES.stream().map(name -> Routers.create(name, c.k(), in)).toList();
    }

    @Test
    void everyRoutersWeightsAreNonNegativeAndSumToOne() {
        qt().withFixedSeed(42L).withExamples(300)
                .forAll(longs().all(), integers().between(1, 9))
                .checkAssert((seed, experts) -> {
                    Case c = randomCase(seed, experts);
                    for (Router router : routers(c)) {
                        double[] w = new double[experts];
                        router.route(c.context(), w);
                        double sum = 0;
                        for (double x : w) {
                            assertThat(x).isGreaterThanOrEqualTo(0);
                            sum += x;
                        }
                        assertThat(sum).isCloseTo(1, within(1e-9));
                    }
                });
    }

    @Test
    void topKKeepsExactlyKNonZeroWeights() {
        qt().withFixedSeed(42L).withExamples(300)
                .forAll(longs().all(), integers().between(1, 9))
                .checkAssert((seed, experts) -> {
                    Case c = randomCase(seed, experts);
                    Routers.Inputs in = new Routers.Inputs(c.prior(), text -> c.distances().clone(), c.tau());
                    for (String name : List.of("centroid", "posterior")) {
                        double[] w = new double[experts];
                        Routers.create(name, c.k(), in).route(c.context(), w);
                        assertThat(Weights.nonZero(w)).as(name).isEqualTo(c.k());
                    }
                });
    }

    @Test
    void topKKeepsTheLargestWeights() {
        qt().withFixedSeed(42L).withExamples(200)
                .forAll(longs().all(), integers().between(1, 9))
                .checkAssert((seed, experts) -> {
                    Case c = randomCase(seed, experts);
                    CentroidRouter dense = new CentroidRouter(text -> c.distances().clone(), c.tau(), c.prior());
                    double[] all = new double[experts];
                    double[] kept = new double[experts];
                    dense.route(c.context(), all);
                    new TopKRouter(dense, c.k()).route(c.context(), kept);
                    double smallestKept = Double.POSITIVE_INFINITY;
                    double largestDropped = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < experts; j++) {
                        if (kept[j] > 0) {
                            smallestKept = Math.min(smallestKept, all[j]);
                        } else {
                            largestDropped = Math.max(largestDropped, all[j]);
                        }
                    }
                    assertThat(smallestKept).isGreaterThanOrEqualTo(largestDropped);
                });
    }

    @Test
    void hybridRunsTheCentroidsTopKAndWeighsThemByCentroidScorePlusContextLikelihood() {
        qt().withFixedSeed(42L).withExamples(300)
                .forAll(longs().all(), integers().between(1, 9))
                .checkAssert((seed, experts) -> {
                    Case c = randomCase(seed, experts);
                    double[] centroid = new double[experts];
                    new TopKRouter(new CentroidRouter(text -> c.distances().clone(), c.tau(), c.prior()), c.k())
                            .route(c.context(), centroid);
                    double[] hybrid = new double[experts];
                    new HybridRouter(text -> c.distances().clone(), c.tau(), c.prior(), c.k()).route(c.context(), hybrid);
                    int reference = -1;
                    for (int j = 0; j < experts; j++) {
                        // the same experts run: the centroid router's top k
                        assertThat(hybrid[j] > 0).as("expert %d runs", j).isEqualTo(centroid[j] > 0);
                        if (hybrid[j] > 0 && reference < 0) {
                            reference = j;
                        }
                    }
                    for (int j = 0; j < experts; j++) {
                        if (hybrid[j] > 0) { // log-odds = score difference + likelihood difference
                            double expected = score(c, j) - score(c, reference);
                            assertThat(Math.log(hybrid[j] / hybrid[reference])).isCloseTo(expected, within(1e-6));
                        }
                    }
                });
    }

    private static double score(Case c, int j) {
        double centroidScore = c.context().isEmpty() ? Math.log(c.prior()[j]) : -c.distances()[j] / c.tau();
        return centroidScore + c.context().logLikelihood(j);
    }

    @Test
    void withOneExpertEveryRouterGivesItAllTheWeight() {
        Case c = randomCase(7, 1);
        for (Router router : routers(c)) {
            double[] w = new double[1];
            router.route(c.context(), w);
            assertThat(w[0]).isEqualTo(1.0);
        }
    }

    @Test
    void centroidRouterAtVanishingTemperaturePicksTheNearestCentroid() {
        qt().withFixedSeed(42L).withExamples(200)
                .forAll(longs().all(), integers().between(1, 9))
                .checkAssert((seed, experts) -> {
                    Case c = randomCase(seed, experts);
                    if (c.context().isEmpty()) {
                        return;
                    }
                    int nearest = 0;
                    for (int j = 1; j < experts; j++) {
                        if (c.distances()[j] < c.distances()[nearest]) {
                            nearest = j;
                        }
                    }
                    double[] w = new double[experts];
                    new CentroidRouter(text -> c.distances().clone(), 1e-9, c.prior()).route(c.context(), w);
                    assertThat(w[nearest]).isCloseTo(1.0, within(1e-9));
                });
    }

    @Test
    void centroidRouterIsSoftmaxOfNegativeSquaredDistanceOverTau() {
        double[] d = {0.5, 1.0, 2.0};
        RoutingContext context = new RoutingContext(3, (t, n) -> "x");
        context.reset(-1);
        context.append(5, null, 0);
        double[] w = new double[3];
        new CentroidRouter(text -> d, 0.1, new double[] {1, 1, 1}).route(context, w);
        double z = Math.exp(-5) + Math.exp(-10) + Math.exp(-20);
        assertThat(w[0]).isCloseTo(Math.exp(-5) / z, within(1e-12));
        assertThat(w[1]).isCloseTo(Math.exp(-10) / z, within(1e-12));
        assertThat(w[2]).isCloseTo(Math.exp(-20) / z, within(1e-12));
    }

    @Test
    void onAnEmptyContextCentroidAndPosteriorUseThePrior() {
        double[] prior = {0.2, 0.5, 0.3};
        RoutingContext empty = new RoutingContext(3, (t, n) -> {
            throw new AssertionError("an empty context is never decoded");
        });
        empty.reset(1);
        double[] w = new double[3];
        new CentroidRouter(text -> new double[] {0, 4, 4}, 0.1, prior).route(empty, w);
        assertThat(w).containsExactly(prior);
        new PosteriorRouter(prior).route(empty, w);
        assertThat(w[0]).isCloseTo(0.2, within(1e-12));
        assertThat(w[1]).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void posteriorIsPriorTimesLikelihoodNormalised() {
        double[] prior = {0.25, 0.75};
        float[][] lp = {{-1f, -2f}, {-3f, -0.5f}}; // [expert][position]
        RoutingContext context = new RoutingContext(2, null);
        context.reset(-1);
        context.append(1, lp, 0);
        context.append(2, lp, 1);
        double a = 0.25 * Math.exp(-1 - 2);
        double b = 0.75 * Math.exp(-3 - 0.5);
        double[] w = new double[2];
        new PosteriorRouter(prior).route(context, w);
        assertThat(w[0]).isCloseTo(a / (a + b), within(1e-9));
        assertThat(w[1]).isCloseTo(b / (a + b), within(1e-9));
    }

    @Test
    void oracleIsOneHotOnTheTrueCluster() {
        Case c = randomCase(3, 5);
        double[] w = new double[5];
        new OracleRouter(5).route(c.context(), w);
        assertThat(w[c.truth()]).isEqualTo(1.0);
        assertThat(Weights.nonZero(w)).isEqualTo(1);
    }

    @Test
    void mixtureOfIdenticalExpertsEqualsEachOfThem() {
        qt().withFixedSeed(42L).withExamples(200)
                .forAll(longs().all(), integers().between(1, 9))
                .checkAssert((seed, experts) -> {
                    Case c = randomCase(seed, experts);
                    SplittableRandom r = new SplittableRandom(seed);
                    float same = (float) (-20 * r.nextDouble());
                    float[][] lp = new float[experts][1];
                    for (float[] row : lp) {
                        row[0] = same;
                    }
                    for (Router router : routers(c)) {
                        double[] w = new double[experts];
                        router.route(c.context(), w);
                        assertThat(Mixture.logProb(w, lp, 0)).isCloseTo(same, within(1e-6));
                    }
                });
    }

    @Test
    void uniformOverAllIsThePlainAverageOfProbabilities() {
        qt().withFixedSeed(42L).withExamples(200)
                .forAll(longs().all(), integers().between(1, 9))
                .checkAssert((seed, experts) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    float[][] lp = new float[experts][1];
                    double mean = 0;
                    for (float[] row : lp) {
                        row[0] = (float) (-10 * r.nextDouble());
                        mean += Math.exp(row[0]) / experts;
                    }
                    double[] w = new double[experts];
                    Routers.create("uniform", experts, new Routers.Inputs(new double[experts], null, 0.1))
                            .route(randomCase(seed, experts).context(), w);
                    assertThat(Mixture.logProb(w, lp, 0)).isCloseTo(Math.log(mean), within(1e-9));
                });
    }

    @Test
    void mixtureIsAMixtureOfProbabilitiesNotOfLogits() {
        float[][] lp = {{(float) Math.log(0.9)}, {(float) Math.log(0.1)}};
        double skewed = Math.exp(Mixture.logProb(new double[] {0.25, 0.75}, lp, 0));
        assertThat(skewed).isCloseTo(0.25 * 0.9 + 0.75 * 0.1, within(1e-6));
    }

    @Test
    void mixedNextTokenDistributionSumsToOne() {
        qt().withFixedSeed(42L).withExamples(100)
                .forAll(longs().all(), integers().between(1, 6))
                .checkAssert((seed, experts) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int vocab = 37;
                    float[][] lp = new float[experts][vocab];
                    for (float[] row : lp) {
                        double z = 0;
                        double[] logits = r.doubles(vocab, -5, 5).toArray();
                        for (double l : logits) {
                            z += Math.exp(l);
                        }
                        for (int v = 0; v < vocab; v++) {
                            row[v] = (float) (logits[v] - Math.log(z));
                        }
                    }
                    double[] w = new double[experts];
                    Routers.create("posterior", 2, new Routers.Inputs(r.doubles(experts, 0.1, 1).toArray(), null, 0.1))
                            .route(randomCase(seed, experts).context(), w);
                    float[] mixed = new float[vocab];
                    Mixture.logProbs(w, lp, vocab, mixed);
                    double total = 0;
                    for (float m : mixed) {
                        total += Math.exp(m);
                    }
                    assertThat(total).isCloseTo(1.0, within(1e-5));
                });
    }

    @Test
    void unknownRouterNameIsRefusedWithTheChoices() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Routers.create("nearest", 1,
                        new Routers.Inputs(new double[] {1}, null, 0.1)))
                .hasMessageContaining("centroid, hybrid, posterior, uniform, oracle");
    }
}
