package ai.chorus.server;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.IntSupplier;

/**
 * What {@code GET /metrics} reports, in the Prometheus text format: requests by endpoint and status,
 * their latency, tokens generated, routing decisions per expert, the generation queue, and the JVM's
 * own metrics (memory, GC, threads). One registry per server, so two servers in one JVM (tests) do not mix.
 */
final class ServerMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter requests;
    private final Histogram latency;
    private final Counter promptTokens;
    private final Counter generatedTokens;
    private final Counter routed;
    private final Counter rejected;

    ServerMetrics(IntSupplier queued, IntSupplier active, IntSupplier experts) {
        requests = Counter.builder().name("chorus_requests_total").help("HTTP requests by endpoint and status")
                .labelNames("endpoint", "status").register(registry);
        latency = Histogram.builder().name("chorus_request_duration_seconds")
                .help("Time from receiving a request to its last byte, by endpoint").labelNames("endpoint")
                .classicOnly()
                .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
                .register(registry);
        promptTokens = Counter.builder().name("chorus_prompt_tokens_total").help("Prompt tokens read")
                .register(registry);
        generatedTokens = Counter.builder().name("chorus_generated_tokens_total").help("Completion tokens generated")
                .register(registry);
        routed = Counter.builder().name("chorus_expert_routed_total")
                .help("Prompts routed to each expert (one per chosen expert per prompt)").labelNames("expert")
                .register(registry);
        rejected = Counter.builder().name("chorus_rejected_total")
                .help("Requests refused with 429 because every worker and queue slot was taken").register(registry);
        GaugeWithCallback.builder().name("chorus_queue_depth").help("Requests waiting for a generation worker")
                .callback(cb -> cb.call(queued.getAsInt())).register(registry);
        GaugeWithCallback.builder().name("chorus_generations_active").help("Requests generating now")
                .callback(cb -> cb.call(active.getAsInt())).register(registry);
        GaugeWithCallback.builder().name("chorus_experts_loaded").help("Experts the router chooses among")
                .callback(cb -> cb.call(experts.getAsInt())).register(registry);
        JvmMetrics.builder().register(registry);
    }

    void request(String endpoint, int status, double seconds) {
        requests.labelValues(endpoint, Integer.toString(status)).inc();
        latency.labelValues(endpoint).observe(seconds);
    }

    void tokens(int prompt, int generated) {
        promptTokens.inc(prompt);
        generatedTokens.inc(generated);
    }

    void routedTo(String expert) {
        routed.labelValues(expert).inc();
    }

    void rejected() {
        rejected.inc();
    }

    String contentType() {
        return writer.getContentType();
    }

    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }
}
