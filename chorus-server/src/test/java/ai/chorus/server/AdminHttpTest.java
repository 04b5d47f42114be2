package ai.chorus.server;

import static org.assertj.core.api.Assertions.assertThat;

import ai.chorus.core.run.RunDir;
import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.engine.sample.Sampler;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin calls: token checks, loading and removing experts live, and path refusal. */
class AdminHttpTest {
    private static final String TOKEN = "s3cret-token";
    private static final String[] AUTH = {"Authorization", "Bearer " + TOKEN};

    private ChorusServer server;
    private Http http;

    @BeforeEach
    void start() throws Exception {
        server = ChorusServer.start(ServedRun.get(), ServeOptions.defaults(0).withAdminToken(TOKEN)
                .withLimits(2, 8, Duration.ofSeconds(60)));
        http = new Http(server.port());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private List<String> expertIds() {
        List<String> ids = new ArrayList<>();
        for (JsonNode e : http.get("/v1/experts").json().get("data")) {
            ids.add(e.get("id").asText());
        }
        return ids;
    }

    @Test
    void listsEachExpertWithItsDomainAndRoutingCount() {
        http.post("/v1/completions", "{\"model\": \"chorus\", \"prompt\": \"the cat sat\", \"max_tokens\": 1}");
        JsonNode list = http.get("/v1/experts").json();
        assertThat(list.get("router").asText()).isEqualTo("adaptive");
        assertThat(list.get("top_k").asInt()).isEqualTo(2);
        long routed = 0;
        for (JsonNode e : list.get("data")) {
            assertThat(e.get("path").asText()).matches("experts/e0[01]");
            assertThat(e.get("top_terms").size()).isPositive();
            routed += e.get("routed_requests").asLong();
        }
        assertThat(routed).isEqualTo(2); // one prompt, read by both experts (adaptive)
    }

    @Test
    void refusesAdminCallsWithoutTheRightToken() {
        JsonNode noToken = ErrorsHttpTest.error(http.delete("/v1/experts/e00"), 401);
        assertThat(noToken.get("type").asText()).isEqualTo("authentication_error");
        ErrorsHttpTest.error(http.delete("/v1/experts/e00", "Authorization", "Bearer wrong"), 401);
        ErrorsHttpTest.error(http.post("/v1/experts", "{\"path\": \"experts/e00\", \"id\": \"x\"}"), 401);
        ErrorsHttpTest.error(http.post("/v1/experts", "{\"path\": \"experts/e00\", \"id\": \"x\"}",
                "Authorization", "Bearer " + TOKEN + "x"), 401);
        assertThat(expertIds()).containsExactly("e00", "e01");
    }

    @Test
    void aRemovedExpertIsNeverChosenAgainAndCanBeLoadedBack() {
        Http.Response removed = http.delete("/v1/experts/e01", AUTH);
        assertThat(removed.status()).as(removed.body()).isEqualTo(200);
        assertThat(removed.json().get("deleted").asBoolean()).isTrue();
        assertThat(expertIds()).containsExactly("e00");
        for (String prompt : new String[] {"stocks fell sharply", "die Katze schläft", "la pluie tombe", ""}) {
            JsonNode body = http.post("/v1/completions", "{\"model\": \"chorus\", \"prompt\": \"" + prompt
                    + "\", \"max_tokens\": 2}").json();
            JsonNode experts = body.get("chorus").get("experts");
            assertThat(experts).hasSize(1);
            assertThat(experts.get(0).get("id").asText()).isEqualTo("e00");
            assertThat(experts.get(0).get("weight").asDouble()).isEqualTo(1.0);
        }
        ErrorsHttpTest.error(http.delete("/v1/experts/e01", AUTH), 404);

        Http.Response added = http.post("/v1/experts", "{\"path\": \"experts/e01\"}", AUTH);
        assertThat(added.status()).as(added.body()).isEqualTo(201);
        assertThat(added.json().get("id").asText()).isEqualTo("e01");
        assertThat(added.json().get("cluster").asInt()).isEqualTo(1);
        assertThat(expertIds()).containsExactly("e00", "e01");
        ErrorsHttpTest.error(http.post("/v1/experts", "{\"path\": \"experts/e01\"}", AUTH), 409);
    }

    @Test
    void loadsACopyUnderANewNameForAGivenCluster() {
        Http.Response added = http.post("/v1/experts", "{\"path\": \"./experts/../experts/e00\", \"id\": \"e00-copy\", "
                + "\"cluster\": 1}", AUTH);
        assertThat(added.status()).as(added.body()).isEqualTo(201);
        assertThat(added.json().get("path").asText()).isEqualTo("experts/e00");
        assertThat(expertIds()).containsExactly("e00", "e01", "e00-copy");
        JsonNode error = ErrorsHttpTest.error(http.post("/v1/experts", "{\"path\": \"experts/e00\", \"id\": \"y\", "
                + "\"cluster\": 9}", AUTH), 400);
        assertThat(error.get("param").asText()).isEqualTo("cluster");
        ErrorsHttpTest.error(http.post("/v1/experts", "{\"path\": \"experts/e00\", \"id\": \"../y\"}", AUTH), 400);
        ErrorsHttpTest.error(http.post("/v1/experts", "{\"path\": 3}", AUTH), 400);
        ErrorsHttpTest.error(http.post("/v1/experts", "{\"path\": \"clusters\", \"id\": \"z\", \"cluster\": 0}", AUTH),
                400);
    }

    @Test
    void refusesPathsOutsideTheRun(@TempDir Path outside) throws Exception {
        RunDir run = ServedRun.get();
        for (String path : new String[] {"../", "..", "experts/../../", "/etc", outside.toString(), "."}) {
            JsonNode error = ErrorsHttpTest.error(http.post("/v1/experts", "{\"path\": "
                    + Http.JSON.valueToTree(path) + ", \"id\": \"x\", \"cluster\": 0}", AUTH), 403);
            assertThat(error.get("code").asText()).as(path).isEqualTo("path_outside_run");
        }
        // A link inside the run that points out of it is judged by where it leads.
        Path link = run.root().resolve("escape-link");
        try {
            Files.createSymbolicLink(link, outside);
            ErrorsHttpTest.error(http.post("/v1/experts", "{\"path\": \"escape-link\", \"id\": \"x\", \"cluster\": 0}",
                    AUTH), 403);
        } finally {
            Files.deleteIfExists(link);
        }
        assertThat(expertIds()).containsExactly("e00", "e01");
    }

    @Test
    void aRequestInFlightFinishesOnTheExpertsItBeganWith() throws Exception {
        ExpertSet before = server.experts().current();
        Http.Response removed = http.delete("/v1/experts/e00", AUTH);
        assertThat(removed.status()).isEqualTo(200);
        // The snapshot a request took is untouched by the removal and still generates with e00.
        assertThat(before.experts()).extracting(Expert::id).containsExactly("e00", "e01");
        assertThat(server.experts().current().experts()).extracting(Expert::id).containsExactly("e01");
        ExpertSet.Routing chosen = before.route("the cat", new int[] {1, 2});
        MixtureGenerator generator = new MixtureGenerator(
                BpeTokenizer.load(ServedRun.get().tokenizerJson()));
        MixtureGenerator.Result r = generator.generate(new int[] {5, 6}, chosen, new MixtureGenerator.Params(8,
                Sampler.Settings.GREEDY, 1, List.of(), -1), () -> false, piece -> { });
        assertThat(r.completionTokens()).isPositive();
    }

    @Test
    void aQueuedRequestKeepsTheExpertsItArrivedWithOverHttp() throws Exception {
        try (ChorusServer one = ChorusServer.start(ServedRun.get(), ServeOptions.defaults(0).withAdminToken(TOKEN)
                .withLimits(1, 4, Duration.ofSeconds(60)))) {
            Http client = new Http(one.port());
            CountDownLatch release = new CountDownLatch(1);
            one.workers().execute(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            CompletableFuture<Http.Response> queued = CompletableFuture
                    .supplyAsync(() -> client.post("/v1/completions",
                            "{\"model\": \"chorus\", \"prompt\": \"the cat\", \"max_tokens\": 3}"));
            while (client.get("/health").json().get("queued").asInt() < 1) {
                Thread.onSpinWait(); // the request has taken its experts once it waits in the queue
            }
            assertThat(client.delete("/v1/experts/e00", AUTH).status()).isEqualTo(200);
            assertThat(client.delete("/v1/experts/e01", AUTH).status()).isEqualTo(200);
            release.countDown();
            Http.Response r = queued.get(60, TimeUnit.SECONDS);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.json().get("chorus").get("experts")).hasSize(2);
            // A request arriving now finds no experts at all.
            ErrorsHttpTest.error(client.post("/v1/completions", "{\"model\": \"chorus\", \"prompt\": \"a\"}"), 503);
        }
    }

    @Test
    void adminCallsAreOffWithoutAConfiguredToken() throws Exception {
        try (ChorusServer open = ChorusServer.start(ServedRun.get(), ServeOptions.defaults(0))) {
            Http client = new Http(open.port());
            JsonNode error = ErrorsHttpTest.error(client.delete("/v1/experts/e00", AUTH), 403);
            assertThat(error.get("code").asText()).isEqualTo("admin_disabled");
        }
    }
}
