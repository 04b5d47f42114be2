package ai.chorus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ai.chorus.core.cluster.ClusterModel;
import ai.chorus.core.generate.TextGenerator;
import ai.chorus.core.mix.CentroidRouter;
import ai.chorus.core.mix.ClusterDistances;
import ai.chorus.core.mix.Routers;
import ai.chorus.core.mix.RoutingContext;
import ai.chorus.core.mix.TopKRouter;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.engine.sample.Sampler;
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
        TopKRouter reference = new TopKRouter(new CentroidRouter(ClusterDistances.of("fine", clusters),
                Routers.DEFAULT_TAU, prior), 1);
        ExpertSet set = server.experts().current();
        ExpertSet topOne = new ExpertSet(set.experts(), "centroid", 1, Routers.DEFAULT_TAU,
                ClusterDistances.of("fine", clusters), prior);
        for (String prompt : PROMPTS) {
            int[] tokens = tokenizer.encode(prompt);
            RoutingContext context = new RoutingContext(clusters.experts(), (t, n) -> prompt);
            context.reset(-1);
            for (int t : tokens) {
                context.append(t, null, 0);
            }
            double[] expected = new double[clusters.experts()];
            reference.route(context, expected);
            List<ExpertSet.Choice> chosen = topOne.route(prompt, tokens);
            assertThat(chosen).hasSize(1);
            assertThat(chosen.get(0).expert().cluster()).as(prompt).isEqualTo(argmax(expected));
            // Top-2 of 2 keeps both, with the router's dense weights.
            double[] dense = new double[clusters.experts()];
            new TopKRouter(reference.base(), 2).route(context, dense);
            for (ExpertSet.Choice c : set.route(prompt, tokens)) {
                assertThat(c.weight()).as(prompt).isCloseTo(dense[c.expert().cluster()], offset(1e-12));
            }
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
                        List.of(new ExpertSet.Choice(e00, 1.0)), new MixtureGenerator.Params(20,
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
