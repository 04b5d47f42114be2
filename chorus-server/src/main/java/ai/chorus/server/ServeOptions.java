package ai.chorus.server;

import ai.chorus.core.mix.Routers;
import ai.chorus.engine.InvalidInputException;
import java.time.Duration;
import java.util.List;

/**
 * What {@code chorus serve} was asked to do.
 *
 * @param host the interface to listen on
 * @param port the port; 0 picks a free one (tests)
 * @param router {@code adaptive}, {@code hybrid}, {@code centroid} or {@code uniform}: the routers that
 *     decide once per prompt ({@code uniform} mixes every loaded expert, whatever {@code topK}; {@code hybrid}
 *     weighs its chosen experts by their likelihood of the prompt, which prefilling it gives; {@code adaptive}
 *     — eval's, whatever {@code topK} — prefills the prompt on every expert, weighs them by their posterior
 *     and drops those below its threshold before generating)
 * @param topK experts mixed per prompt
 * @param tau the centroid router's temperature
 * @param workers generation threads: requests generating at the same time
 * @param queue requests waiting for a worker before new ones get 429
 * @param timeout the longest a request may take, waiting included
 * @param maxPromptTokens the longest prompt accepted, in tokens
 * @param maxTokens the largest {@code max_tokens} accepted
 * @param maxBodyBytes the largest request body accepted
 * @param adminToken the bearer token of the admin calls; null refuses every admin call
 */
public record ServeOptions(String host, int port, String router, int topK, double tau, int workers, int queue,
                           Duration timeout, int maxPromptTokens, int maxTokens, int maxBodyBytes,
                           String adminToken) {
    /** The routers a server can run: each decides once, on the prompt. */
    public static final List<String> ROUTERS = List.of(ExpertSet.ADAPTIVE, "hybrid", "centroid", "uniform");

    public ServeOptions {
        if (!ROUTERS.contains(router)) {
            throw new InvalidInputException("--router must be one of " + String.join(", ", ROUTERS) + " for serve, got '"
                    + router + "' (posterior needs every expert on every token; oracle needs the answer)");
        }
        if (port < 0 || port > 65535) {
            throw new InvalidInputException("--port must be in [0, 65535], got " + port);
        }
        requirePositive("--top-k", topK);
        requirePositive("--workers", workers);
        requirePositive("--max-prompt-tokens", maxPromptTokens);
        requirePositive("--max-tokens-limit", maxTokens);
        requirePositive("--max-body-bytes", maxBodyBytes);
        if (queue < 0) {
            throw new InvalidInputException("--queue must be ≥ 0, got " + queue);
        }
        if (!(tau > 0) || Double.isInfinite(tau)) {
            throw new InvalidInputException("--tau must be a positive number, got " + tau);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new InvalidInputException("--timeout must be positive, got " + timeout);
        }
        if (adminToken != null && adminToken.isBlank()) {
            adminToken = null;
        }
    }

    /** Defaults for a local server on {@code port}: adaptive router (top-k 2 for the others), one worker per core. */
    public static ServeOptions defaults(int port) {
        return new ServeOptions("127.0.0.1", port, ExpertSet.ADAPTIVE, 2, Routers.DEFAULT_TAU,
                Runtime.getRuntime().availableProcessors(), 256, Duration.ofSeconds(60), 1024, 512, 1 << 20, null);
    }

    public ServeOptions withAdminToken(String token) {
        return new ServeOptions(host, port, router, topK, tau, workers, queue, timeout, maxPromptTokens, maxTokens,
                maxBodyBytes, token);
    }

    public ServeOptions withLimits(int newWorkers, int newQueue, Duration newTimeout) {
        return new ServeOptions(host, port, router, topK, tau, newWorkers, newQueue, newTimeout, maxPromptTokens,
                maxTokens, maxBodyBytes, adminToken);
    }

    public ServeOptions withRouter(String newRouter, int newTopK) {
        return new ServeOptions(host, port, newRouter, newTopK, tau, workers, queue, timeout, maxPromptTokens,
                maxTokens, maxBodyBytes, adminToken);
    }

    private static void requirePositive(String flag, int value) {
        if (value < 1) {
            throw new InvalidInputException(flag + " must be at least 1, got " + value);
        }
    }
}
