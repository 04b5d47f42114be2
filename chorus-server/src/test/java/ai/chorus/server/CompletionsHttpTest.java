package ai.chorus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Completions over HTTP on a random port, streamed and not, against the tiny two-expert run. */
class CompletionsHttpTest {
    private static ChorusServer server;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        server = ChorusServer.start(ServedRun.get(), ServeOptions.defaults(0).withLimits(2, 16, Duration.ofSeconds(60)));
        http = new Http(server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String request(String fields) {
        return "{\"model\": \"chorus\", " + fields + "}";
    }

    @Test
    void listsTheMixtureAsTheOneModel() {
        Http.Response r = http.get("/v1/models");
        assertThat(r.status()).isEqualTo(200);
        JsonNode data = r.json().get("data");
        assertThat(data).hasSize(1);
        assertThat(data.get(0).get("id").asText()).isEqualTo("chorus");
        assertThat(data.get(0).get("object").asText()).isEqualTo("model");
        assertThat(http.get("/v1/models/chorus").json().get("id").asText()).isEqualTo("chorus");
        assertThat(http.get("/v1/models/gpt-4").status()).isEqualTo(404);
    }

    @Test
    void theCentroidRouterStillServesStreamedAndNot() throws Exception {
        try (ChorusServer centroid = ChorusServer.start(ServedRun.get(), ServeOptions.defaults(0)
                .withRouter("centroid", 2).withLimits(1, 4, Duration.ofSeconds(60)))) {
            Http client = new Http(centroid.port());
            String fields = "\"prompt\": \"the cat\", \"max_tokens\": 4, \"seed\": 5";
            JsonNode plain = client.post("/v1/completions", request(fields)).json().get("chorus");
            assertThat(plain.get("router").asText()).isEqualTo("centroid");
            List<String> events = client.events(request(fields + ", \"stream\": true, "
                    + "\"stream_options\": {\"include_usage\": true}"));
            JsonNode streamed = parse(events.get(events.size() - 2)).get("chorus");
            assertThat(streamed.get("router").asText()).isEqualTo("centroid");
            assertThat(streamed.get("router_context").asText()).isEqualTo("prompt");
            assertThat(streamed.get("experts")).isEqualTo(plain.get("experts"));
        }
    }

    @Test
    void completesWithUsageAndTheChosenExperts() {
        Http.Response r = http.post("/v1/completions", request(
                "\"prompt\": \"the cat sat on the mat\", \"max_tokens\": 12, \"seed\": 7"));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        JsonNode body = r.json();
        assertThat(body.get("object").asText()).isEqualTo("text_completion");
        assertThat(body.get("id").asText()).startsWith("cmpl-");
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.get("text").isTextual()).isTrue();
        assertThat(choice.get("finish_reason").asText()).isIn("stop", "length");
        JsonNode usage = body.get("usage");
        assertThat(usage.get("prompt_tokens").asInt()).isPositive();
        assertThat(usage.get("completion_tokens").asInt()).isBetween(0, 12);
        assertThat(usage.get("total_tokens").asInt())
                .isEqualTo(usage.get("prompt_tokens").asInt() + usage.get("completion_tokens").asInt());
        if (choice.get("finish_reason").asText().equals("length")) {
            assertThat(usage.get("completion_tokens").asInt()).isEqualTo(12);
        }
        JsonNode chorus = body.get("chorus");
        assertThat(chorus.get("router").asText()).isEqualTo("adaptive"); // the default
        assertThat(chorus.get("routing").asText()).isEqualTo("once per prompt");
        assertThat(chorus.get("router_context").asText()).isEqualTo("prompt");
        assertThat(chorus.get("seed").asLong()).isEqualTo(7);
        JsonNode experts = chorus.get("experts");
        assertThat(experts.size()).isBetween(1, 2);
        double sum = 0;
        for (JsonNode e : experts) {
            assertThat(e.get("id").asText()).isIn("e00", "e01");
            sum += e.get("weight").asDouble();
        }
        assertThat(sum).isCloseTo(1.0, offset(1e-9));
        assertThat(choice.get("chorus").get("experts")).isEqualTo(experts);
    }

    @Test
    void theSameSeedGivesTheSameTextAndStreamingConcatenatesToIt() {
        String fields = "\"prompt\": \"stocks fell sharply\", \"max_tokens\": 30, \"temperature\": 1.0, \"seed\": 42";
        String text = http.post("/v1/completions", request(fields)).json().get("choices").get(0).get("text").asText();
        assertThat(http.post("/v1/completions", request(fields)).json().get("choices").get(0).get("text").asText())
                .isEqualTo(text);

        List<String> events = http.events(request(fields + ", \"stream\": true"));
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        StringBuilder streamed = new StringBuilder();
        List<String> finishes = new ArrayList<>();
        for (String event : events.subList(0, events.size() - 1)) {
            JsonNode chunk = Http.JSON.valueToTree(parse(event));
            assertThat(chunk.get("object").asText()).isEqualTo("text_completion");
            JsonNode choice = chunk.get("choices").get(0);
            streamed.append(choice.get("text").asText());
            if (!choice.get("finish_reason").isNull()) {
                finishes.add(choice.get("finish_reason").asText());
                assertThat(choice.get("chorus").get("experts").size()).isBetween(1, 2);
            }
        }
        assertThat(streamed.toString()).isEqualTo(text);
        assertThat(finishes).hasSize(1);
    }

    @Test
    void streamsUsageWhenAskedAndOneChoicePerPrompt() {
        List<String> events = http.events(request("\"prompt\": [\"the cat\", \"la pluie\"], \"max_tokens\": 5, "
                + "\"seed\": 3, \"stream\": true, \"stream_options\": {\"include_usage\": true}"));
        JsonNode usageChunk = parse(events.get(events.size() - 2));
        assertThat(usageChunk.get("choices")).isEmpty();
        assertThat(usageChunk.get("usage").get("completion_tokens").asInt()).isBetween(0, 10);
        JsonNode both = http.post("/v1/completions", request("\"prompt\": [\"the cat\", \"la pluie\"], "
                + "\"max_tokens\": 5, \"seed\": 3")).json();
        assertThat(both.get("choices")).hasSize(2);
        assertThat(both.get("choices").get(1).get("index").asInt()).isEqualTo(1);
        assertThat(both.get("usage").get("completion_tokens").asInt())
                .isEqualTo(usageChunk.get("usage").get("completion_tokens").asInt());
    }

    @Test
    void stopsBeforeTheFirstStopSequenceStreamedOrNot() {
        String fields = "\"prompt\": \"die Katze\", \"max_tokens\": 40, \"seed\": 11";
        String full = http.post("/v1/completions", request(fields)).json().get("choices").get(0).get("text").asText();
        assertThat(full.length()).as("the random model should say something").isGreaterThan(6);
        String stop = full.substring(full.length() / 2, full.length() / 2 + 2);
        String expected = full.substring(0, full.indexOf(stop));
        String stopJson = Http.JSON.valueToTree(stop).toString();
        JsonNode cut = http.post("/v1/completions", request(fields + ", \"stop\": [" + stopJson + "]")).json();
        assertThat(cut.get("choices").get(0).get("text").asText()).isEqualTo(expected);
        assertThat(cut.get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");

        List<String> events = http.events(request(fields + ", \"stop\": " + stopJson + ", \"stream\": true"));
        StringBuilder streamed = new StringBuilder();
        for (String event : events.subList(0, events.size() - 1)) {
            streamed.append(parse(event).get("choices").get(0).get("text").asText());
        }
        assertThat(streamed.toString()).isEqualTo(expected);
    }

    @Test
    void reportsTheMixtureLogprobsOfEveryToken() {
        JsonNode body = http.post("/v1/completions", request(
                "\"prompt\": \"the dog\", \"max_tokens\": 6, \"seed\": 5, \"logprobs\": 3, \"temperature\": 0")).json();
        JsonNode choice = body.get("choices").get(0);
        JsonNode lp = choice.get("logprobs");
        int n = body.get("usage").get("completion_tokens").asInt();
        assertThat(lp.get("tokens")).hasSize(n);
        assertThat(lp.get("token_logprobs")).hasSize(n);
        assertThat(String.join("", Http.JSON.convertValue(lp.get("tokens"), String[].class)))
                .isEqualTo(choice.get("text").asText());
        for (int i = 0; i < n; i++) {
            double chosen = lp.get("token_logprobs").get(i).asDouble();
            assertThat(chosen).isLessThanOrEqualTo(0);
            // Greedy: the chosen token is the most likely one, so it heads the alternatives.
            JsonNode top = lp.get("top_logprobs").get(i);
            assertThat(top.size()).isBetween(1, 3);
            assertThat(top.elements().next().asDouble()).isCloseTo(chosen, offset(1e-6));
        }
    }

    @Test
    void answersHealthAndPrometheusMetrics() {
        http.post("/v1/completions", request("\"prompt\": \"the cat\", \"max_tokens\": 2"));
        Http.Response health = http.get("/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asText()).isEqualTo("ok");
        assertThat(health.json().get("experts").asInt()).isEqualTo(2);
        Http.Response metrics = http.get("/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.header("Content-Type")).startsWith("text/plain");
        assertThat(metrics.body())
                .contains("chorus_requests_total{endpoint=\"completions\",status=\"200\"}")
                .contains("chorus_request_duration_seconds_bucket{endpoint=\"completions\",le=\"0.005\"}")
                .contains("chorus_generated_tokens_total")
                .contains("chorus_expert_routed_total{expert=\"e0")
                .contains("chorus_queue_depth")
                .contains("jvm_memory_used_bytes");
    }

    private static JsonNode parse(String event) {
        try {
            return Http.JSON.readTree(event);
        } catch (IOException e) {
            throw new AssertionError("chunk is not JSON: " + event, e);
        }
    }
}
