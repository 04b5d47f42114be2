package ai.chorus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ai.chorus.core.cluster.ClusterModel;
import ai.chorus.core.generate.TextGenerator;
import ai.chorus.core.mix.AdaptiveRouter;
import ai.chorus.core.mix.CentroidRouter;
import ai.chorus.core.mix.ClusterDistances;
import ai.chorus.core.mix.HybridRouter;
import ai.chorus.core.mix.Routers;
import ai.chorus.core.mix.RoutingContext;
import ai.chorus.core.mix.TopKRouter;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.engine.model.KvCache;
import ai.chorus.engine.sample.Sampler;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server's routing and decoding against independent references: core's own centroid router, and
 * {@link TextGenerator} (one model, no mixture).
 */
class MixtureLawsTest {
    private static final List<String> PROMPTS = List.of("the cat sat on the mat", "stocks fell sharply as",
            "die Katze schläft", "la pluie tombe sur la ville", "");

    private static ChorusServer server;
    private static BpeTokenizer tokenizer;

    @BeforeAll
    static void start() throws Exception {
        server = ChorusServer.start(ServedRun.get(), ServeOptions.defaults(0).withLimits(1, 4, Duration.ofSeconds(60)));
        tokenizer = BpeTokenizer.load(ServedRun.get().tokenizerJson());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void withEveryExpertLoadedTheServerRoutesAsCoresCentroidRouter() {
        RunDir run = ServedRun.get();
        ClusterModel clusters = ClusterModel.load(run.clustersDir());
        double[] prior = new double[clusters.experts()];
        for (int f = 0; f < clusters.fineClusters(); f++) {
            prior[clusters.expertOfFine(f)] += clusters.fineTokens(f); // token shares, as eval computes them
        }
        TopKRouter reference = new TopKRouter(new CentroidRouter(ClusterDistances.of(ClusterDistances.DEFAULT, clusters),
                Routers.DEFAULT_TAU, prior), 1);
        ExpertSet set = new ExpertSet(server.experts().current().experts(), "centroid", 2, Routers.DEFAULT_TAU,
                ClusterDistances.of(ClusterDistances.DEFAULT, clusters), prior);
        ExpertSet topOne = new ExpertSet(set.experts(), "centroid", 1, Routers.DEFAULT_TAU,
                ClusterDistances.of(ClusterDistances.DEFAULT, clusters), prior);
        for (String prompt : PROMPTS) {
            int[] tokens = tokenizer.encode(prompt);
            RoutingContext context = new RoutingContext(clusters.experts(), (t, n) -> prompt);
            context.reset(-1);
            for (int t : tokens) {
                context.append(t, null, 0);
            }
            double[] expected = new double[clusters.experts()];
            reference.route(context, expected);
            List<ExpertSet.Choice> chosen = topOne.route(prompt, tokens).choices();
            assertThat(chosen).hasSize(1);
            assertThat(chosen.get(0).expert().cluster()).as(prompt).isEqualTo(argmax(expected));
            // Top-2 of 2 keeps both, with the router's dense weights.
            double[] dense = new double[clusters.experts()];
            new TopKRouter(reference.base(), 2).route(context, dense);
            for (ExpertSet.Choice c : set.route(prompt, tokens).choices()) {
                assertThat(c.weight()).as(prompt).isCloseTo(dense[c.expert().cluster()], offset(1e-12));
            }
        }
    }

    @Test
    void theHybridWeightsAreCoresHybridRouterOnThePrompt() throws Exception {
        RunDir run = ServedRun.get();
        ClusterModel clusters = ClusterModel.load(run.clustersDir());
        double[] prior = new double[clusters.experts()];
        for (int f = 0; f < clusters.fineClusters(); f++) {
            prior[clusters.expertOfFine(f)] += clusters.fineTokens(f);
        }
        // A high temperature flattens the centroid scores, so the prompt's likelihood decides the weights.
        double tau = 1e3;
        HybridRouter reference = new HybridRouter(ClusterDistances.of(ClusterDistances.DEFAULT, clusters), tau, prior, 2);
        ServeOptions d = ServeOptions.defaults(0);
        try (ChorusServer hybrid = ChorusServer.start(run, new ServeOptions(d.host(), 0, "hybrid", 2, tau, 1, 4,
                d.timeout(), d.maxPromptTokens(), d.maxTokens(), d.maxBodyBytes(), null))) {
            assertHybridWeights(hybrid, reference, clusters.experts());
        }
    }

    private static void assertHybridWeights(ChorusServer server, HybridRouter reference, int clusterCount)
            throws Exception {
        List<Expert> experts = server.experts().current().experts();
        Http http = new Http(server.port());
        double spread = 0; // how far the likelihoods moved the weights from the prior: the test's power
        for (String prompt : PROMPTS) {
            int[] tokens = tokenizer.encode(prompt);
            // The reference context: every prompt token, each after the first with each expert's
            // log-likelihood of it, from a log-softmax in double of the expert's own logits.
            float[][] logProbs = new float[clusterCount][1];
            RoutingContext context = new RoutingContext(clusterCount, (t, n) -> prompt);
            context.reset(-1);
            KvCache[] caches = new KvCache[experts.size()];
            for (Expert e : experts) {
                caches[e.cluster()] = e.newKvCache(tokens.length + 1);
            }
            for (int i = 0; i < tokens.length; i++) {
                for (Expert e : experts) {
                    logProbs[e.cluster()][0] = i == 0 ? 0f : (float) logSoftmaxAt(
                            e.forwardToken(tokens[i - 1], i - 1, caches[e.cluster()]), tokens[i]);
                }
                context.append(tokens[i], logProbs, 0);
            }
            double[] expected = new double[clusterCount];
            reference.route(context, expected);
            spread = Math.max(spread, Math.abs(expected[0] - expected[1]));

            String body = "{\"model\": \"chorus\", \"prompt\": " + json(prompt) + ", \"max_tokens\": 1}";
            for (boolean stream : new boolean[] {false, true}) {
                JsonNode chorus = stream
                        ? Http.JSON.readTree(lastWithUsage(http.events(body.replace("}", ", \"stream\": true, "
                                + "\"stream_options\": {\"include_usage\": true}}")))).get("chorus")
                        : http.post("/v1/completions", body).json().get("chorus");
                assertThat(chorus.get("router").asText()).isEqualTo("hybrid");
                for (JsonNode weighed : chorus.get("experts")) {
                    int cluster = server.experts().current().byId(weighed.get("id").asText()).orElseThrow().cluster();
                    assertThat(weighed.get("weight").asDouble()).as(prompt + (stream ? " streamed" : ""))
                            .isCloseTo(expected[cluster], offset(1e-5));
                }
            }
        }
        assertThat(spread).as("some prompt's likelihood must separate the experts").isGreaterThan(0.01);
    }

    @Test
    void theDefaultAdaptiveWeightsAreThePromptsPosteriorCutAtTheThreshold() throws Exception {
        assertThat(ServeOptions.defaults(0).router()).isEqualTo("adaptive"); // the server below runs the defaults
        ClusterModel clusters = ClusterModel.load(ServedRun.get().clustersDir());
        double[] prior = new double[clusters.experts()];
        for (int f = 0; f < clusters.fineClusters(); f++) {
            prior[clusters.expertOfFine(f)] += clusters.fineTokens(f);
        }
        List<Expert> experts = server.experts().current().experts();
        Http http = new Http(server.port());
        for (String prompt : PROMPTS) {
            // Independently: prior × Π p_j(prompt token | the ones before) in double, normalised; then
            // every expert but the heaviest below the threshold dropped and the rest renormalised.
            double[] expected = expectedAdaptiveWeights(experts, prior, tokenizer.encode(prompt));
            String body = "{\"model\": \"chorus\", \"prompt\": " + json(prompt) + ", \"max_tokens\": 2}";
            JsonNode chorus = http.post("/v1/completions", body).json().get("chorus");
            assertThat(chorus.get("router").asText()).isEqualTo("adaptive");
            int served = 0;
            for (JsonNode weighed : chorus.get("experts")) {
                int cluster = server.experts().current().byId(weighed.get("id").asText()).orElseThrow().cluster();
                assertThat(weighed.get("weight").asDouble()).as(prompt).isCloseTo(expected[cluster], offset(1e-5));
                served++;
            }
            assertThat(served).as(prompt).isEqualTo((int) java.util.Arrays.stream(expected).filter(w -> w > 0).count());
        }
    }

    /** The adaptive rule on a prompt, from the experts' own logits: no server or core router code. */
    private static double[] expectedAdaptiveWeights(List<Expert> experts, double[] prior, int[] tokens) {
        double[] w = new double[prior.length];
        double max = Double.NEGATIVE_INFINITY;
        for (Expert e : experts) {
            KvCache cache = e.newKvCache(tokens.length + 1);
            double ll = 0;
            for (int i = 1; i < tokens.length; i++) {
                ll += logSoftmaxAt(e.forwardToken(tokens[i - 1], i - 1, cache), tokens[i]);
            }
            w[e.cluster()] = Math.log(prior[e.cluster()]) + ll;
            max = Math.max(max, w[e.cluster()]);
        }
        double sum = 0;
        for (int j = 0; j < w.length; j++) {
            w[j] = Math.exp(w[j] - max);
            sum += w[j];
        }
        int best = argmax(w);
        double kept = 0;
        for (int j = 0; j < w.length; j++) {
            w[j] /= sum;
            if (j != best && w[j] < AdaptiveRouter.DEFAULT_THRESHOLD) {
                w[j] = 0;
            }
            kept += w[j];
        }
        for (int j = 0; j < w.length; j++) {
            w[j] /= kept;
        }
        return w;
    }

    @Test
    void anExpertTheAdaptiveRouterDropsReadsThePromptAndStops() {
        ExpertSet loaded = server.experts().current();
        Expert e00 = loaded.byId("e00").orElseThrow();
        Expert e01 = loaded.byId("e01").orElseThrow();
        ClusterModel clusters = ClusterModel.load(ServedRun.get().clustersDir());
        // A prior of 1e-9 on e01's cluster: its posterior stays far below the threshold (yet above 0,
        // so the threshold, not underflow, drops it); an even prior keeps both.
        double[] lopsided = new double[clusters.experts()];
        lopsided[e00.cluster()] = 1;
        lopsided[e01.cluster()] = 1e-9;
        double[] even = new double[clusters.experts()];
        java.util.Arrays.fill(even, 1);
        ExpertSet dropping = new ExpertSet(loaded.experts(), "adaptive", 2, Routers.DEFAULT_TAU,
                ClusterDistances.of(ClusterDistances.DEFAULT, clusters), lopsided);
        ExpertSet keeping = new ExpertSet(loaded.experts(), "adaptive", 2, Routers.DEFAULT_TAU,
                ClusterDistances.of(ClusterDistances.DEFAULT, clusters), even);
        MixtureGenerator mixture = new MixtureGenerator(tokenizer);
        MixtureGenerator.Params greedy = new MixtureGenerator.Params(12, Sampler.Settings.GREEDY, 0, List.of(), -1);
        for (String prompt : PROMPTS) {
            int[] tokens = tokenizer.encode(prompt);
            int fed = Math.max(tokens.length, 1);
            MixtureGenerator.Result alone = mixture.generate(tokens,
                    new ExpertSet.Routing(List.of(new ExpertSet.Choice(e00, 1.0)), null), greedy, () -> false, p -> { });
            MixtureGenerator.Result r = mixture.generate(tokens, dropping.route(prompt, tokens), greedy,
                    () -> false, p -> { });
            assertThat(r.text()).as(prompt).isEqualTo(alone.text());
            assertThat(r.experts()).as(prompt).extracting(ExpertSet.Choice::expert).containsExactly(e00);
            assertThat(r.experts().get(0).weight()).isEqualTo(1.0);
            // e01 ran on the prompt's tokens and on none after: the set never grows back.
            assertThat(r.expertForwards()).as(prompt).isEqualTo(alone.expertForwards() + fed);
            MixtureGenerator.Result both = mixture.generate(tokens, keeping.route(prompt, tokens), greedy,
                    () -> false, p -> { });
            assertThat(both.experts()).as(prompt).hasSize(2);
            assertThat(both.expertForwards()).as(prompt)
                    .isEqualTo(2L * (fed + Math.max(both.completionTokens() - (both.finishReason().equals("length") ? 1 : 0), 0)));
        }
    }

    private static double logSoftmaxAt(float[] logits, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : logits) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (float x : logits) {
            sum += Math.exp(x - max);
        }
        return logits[token] - max - Math.log(sum);
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String lastWithUsage(List<String> events) {
        for (int i = events.size() - 1; i >= 0; i--) {
            if (events.get(i).contains("\"usage\"")) {
                return events.get(i);
            }
        }
        throw new AssertionError("no usage chunk in " + events);
    }

    @Test
    void anExpertTheHybridRulesOutLeavesTheOtherAlone() {
        ExpertSet set = server.experts().current();
        Expert e00 = set.byId("e00").orElseThrow();
        Expert e01 = set.byId("e01").orElseThrow();
        MixtureGenerator mixture = new MixtureGenerator(tokenizer);
        MixtureGenerator.Params greedy = new MixtureGenerator.Params(12, Sampler.Settings.GREEDY, 0, List.of(), -1);
        for (String prompt : PROMPTS) {
            int[] tokens = tokenizer.encode(prompt);
            MixtureGenerator.Result alone = mixture.generate(tokens,
                    new ExpertSet.Routing(List.of(new ExpertSet.Choice(e00, 1.0)), null), greedy, () -> false, p -> { });
            // a centroid score so far below e00's that no prompt's likelihood brings e01 back: weight 0
            ExpertSet.Routing ruledOut = new ExpertSet.Routing(List.of(new ExpertSet.Choice(e00, 0.5),
                    new ExpertSet.Choice(e01, 0.5)), new double[] {0, -1e6});
            MixtureGenerator.Result r = mixture.generate(tokens, ruledOut, greedy, () -> false, p -> { });
            assertThat(r.text()).as(prompt).isEqualTo(alone.text());
            assertThat(r.experts()).extracting(ExpertSet.Choice::weight).containsExactly(1.0, 0.0);
        }
    }

    @Test
    void aMixtureOfOneExpertDecodesAsThatExpertAlone() throws Exception {
        Expert e00 = server.experts().current().byId("e00").orElseThrow();
        MixtureGenerator mixture = new MixtureGenerator(tokenizer);
        try (TextGenerator alone = TextGenerator.open(ServedRun.get().expertDir(0), null, 1)) {
            for (String prompt : PROMPTS) {
                String expected = alone.generate(prompt, 20, Sampler.Settings.GREEDY, 0, piece -> { }).text();
                StringBuilder pieces = new StringBuilder();
                MixtureGenerator.Result r = mixture.generate(tokenizer.encode(prompt),
                        new ExpertSet.Routing(List.of(new ExpertSet.Choice(e00, 1.0)), null),
                        new MixtureGenerator.Params(20,
                                Sampler.Settings.GREEDY, 0, List.of(), -1), () -> false, pieces::append);
                assertThat(r.text()).as(prompt).isEqualTo(expected);
                assertThat(pieces.toString()).isEqualTo(expected);
            }
        }
    }

    @Test
    void concurrentRequestsWithOneSeedGetOneText() throws Exception {
        Http http = new Http(server.port());
        String body = "{\"model\": \"chorus\", \"prompt\": \"the cat\", \"max_tokens\": 24, \"seed\": 9}";
        String expected = http.post("/v1/completions", body).json().get("choices").get(0).get("text").asText();
        try (ChorusServer wide = ChorusServer.start(ServedRun.get(), ServeOptions.defaults(0)
                .withLimits(4, 32, Duration.ofSeconds(60)))) {
            Http client = new Http(wide.port());
            List<String> texts = IntStream.range(0, 16).parallel()
                    .mapToObj(i -> client.post("/v1/completions", body).json().get("choices").get(0).get("text").asText())
                    .toList();
            assertThat(texts).containsOnly(expected); // four workers share the experts' weights, nothing else
        }
    }

    private static int argmax(double[] w) {
        int best = 0;
        for (int i = 1; i < w.length; i++) {
            if (w[i] > w[best]) {
                best = i;
            }
        }
        return best;
    }
}
