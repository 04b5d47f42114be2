package ai.chorus.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The bounded pool and queue: a full server answers 429 with Retry-After and then serves again, and a
 * request that waits past the timeout gets a timeout error. The worker is held busy by a
 * task the test controls, so nothing here depends on timing.
 */
class QueueHttpTest {
    private static final String REQUEST = "{\"model\": \"chorus\", \"prompt\": \"the cat\", \"max_tokens\": 2}";

    @Test
    void aFullServerAnswers429WithRetryAfter() throws Exception {
        try (ChorusServer server = ChorusServer.start(ServedRun.get(), ServeOptions.defaults(0)
                .withLimits(1, 0, Duration.ofSeconds(60)))) {
            Http http = new Http(server.port());
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch busy = new CountDownLatch(1);
            server.workers().execute(() -> {
                busy.countDown();
                awaitQuietly(release);
            });
            assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
            try {
                Http.Response r = http.post("/v1/completions", REQUEST);
                JsonNode error = ErrorsHttpTest.error(r, 429);
                assertThat(error.get("code").asText()).isEqualTo("queue_full");
                assertThat(r.header("Retry-After")).isEqualTo("1");
                assertThat(http.get("/metrics").body()).contains("chorus_rejected_total 1.0");
            } finally {
                release.countDown();
            }
            assertThat(http.post("/v1/completions", REQUEST).status()).isEqualTo(200);
        }
    }

    @Test
    void aRequestWaitingPastTheTimeoutIsAnsweredAndDropped() throws Exception {
        try (ChorusServer server = ChorusServer.start(ServedRun.get(), ServeOptions.defaults(0)
                .withLimits(1, 4, Duration.ofMillis(300)))) {
            Http http = new Http(server.port());
            CountDownLatch release = new CountDownLatch(1);
            server.workers().execute(() -> awaitQuietly(release));
            try {
                JsonNode error = ErrorsHttpTest.error(http.post("/v1/completions", REQUEST), 503);
                assertThat(error.get("code").asText()).isEqualTo("timeout");
                // Streamed, nothing has been sent before the deadline: the same JSON error.
                Http.Response streamed = http.post("/v1/completions", REQUEST.replace("}", ", \"stream\": true}"));
                assertThat(ErrorsHttpTest.error(streamed, 503).get("code").asText()).isEqualTo("timeout");
            } finally {
                release.countDown();
            }
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
