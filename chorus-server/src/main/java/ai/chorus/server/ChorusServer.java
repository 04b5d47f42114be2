package ai.chorus.server;

import ai.chorus.core.run.RunDir;
import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.engine.InvalidInputException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code chorus serve}: OpenAI's completions API over a routed mixture of a run's experts (Javalin on
 * Jetty 12). Endpoints: {@code GET /v1/models}, {@code POST /v1/completions} (streamed or not),
 * {@code GET|POST /v1/experts}, {@code DELETE /v1/experts/{id}} (the last two need the admin token),
 * {@code GET /health}, {@code GET /metrics}. Every refusal has OpenAI's error shape.
 *
 * <p>Generation runs on a fixed pool of workers behind a bounded queue ({@link Completions}); the
 * HTTP threads only parse, wait and write.
 */
public final class ChorusServer implements AutoCloseable {
    /** The one model this server serves: the routed mixture. */
    public static final String MODEL_ID = "chorus";
    private static final Logger LOG = LoggerFactory.getLogger(ChorusServer.class);
    private static final long IDLE_MARGIN_MILLIS = 30_000;

    private final ServeOptions options;
    private final ExpertRegistry registry;
    private final ThreadPoolExecutor workers;
    private final ServerMetrics metrics;
    private final ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private final long created = Instant.now().getEpochSecond();
    private final Javalin app;

    private ChorusServer(ServeOptions options, ExpertRegistry registry, BpeTokenizer tokenizer) {
        this.options = options;
        this.registry = registry;
        BlockingQueue<Runnable> queue = options.queue() == 0 ? new SynchronousQueue<>()
                : new ArrayBlockingQueue<>(options.queue());
        AtomicInteger threadNumber = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(options.workers(), options.workers(), 0, TimeUnit.MILLISECONDS, queue,
                r -> {
                    Thread t = new Thread(r, "chorus-generate-" + threadNumber.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        this.metrics = new ServerMetrics(queue::size, workers::getActiveCount,
                () -> registry.current().experts().size());
        Completions completions = new Completions(options, registry, new MixtureGenerator(tokenizer), workers,
                metrics, json);
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.http.compressionStrategy = CompressionStrategy.NONE; // streamed events must leave at once
            config.http.maxRequestSize = options.maxBodyBytes();
            config.jetty.host = options.host();
            config.jetty.port = options.port();
            config.routes.get("/health", timed("health", this::health));
            config.routes.get("/metrics", timed("metrics", this::metrics));
            config.routes.get("/v1/models", timed("models", this::models));
            config.routes.get("/v1/models/{id}", timed("models", this::model));
            config.routes.post("/v1/completions", timed("completions", ctx -> completions.handle(ctx, readJson(ctx))));
            config.routes.get("/v1/experts", timed("experts", this::listExperts));
            config.routes.post("/v1/experts", timed("experts_add", this::addExpert));
            config.routes.delete("/v1/experts/{id}", timed("experts_remove", this::removeExpert));
            // Unknown paths and methods: Javalin's own 404/405, in OpenAI's error shape.
            config.routes.exception(HttpResponseException.class, (e, ctx) -> {
                writeError(ctx, new ApiException(e.getStatus(), "invalid_request_error", null,
                        e.getStatus() == 404 ? "unknown_url" : "http_" + e.getStatus(),
                        ctx.method() + " " + ctx.path() + ": " + e.getMessage()));
                metrics.request("other", e.getStatus(), 0);
            });
        });
    }

    /**
     * Loads the run's experts and starts listening.
     *
     * @throws InvalidInputException when the run has no clustering or no trained expert
     */
    public static ChorusServer start(RunDir run, ServeOptions options) throws IOException {
        run.requirePrepared();
        BpeTokenizer tokenizer = BpeTokenizer.load(run.tokenizerJson());
        ExpertRegistry registry = ExpertRegistry.open(run, options, tokenizer.vocabSize());
        ChorusServer server = new ChorusServer(options, registry, tokenizer);
        try {
            server.app.start();
            // A request may wait silently (queued, then generating) for up to --timeout; Jetty's default
            // 30 s idle timeout must not cut it first. Applies to every connection accepted from now on.
            long idleMillis = options.timeout().toMillis() + IDLE_MARGIN_MILLIS;
            for (Connector connector : server.app.jettyServer().server().getConnectors()) {
                if (connector instanceof AbstractConnector c) {
                    c.setIdleTimeout(Math.max(c.getIdleTimeout(), idleMillis));
                }
            }
        } catch (RuntimeException e) {
            server.close();
            throw new InvalidInputException("cannot listen on " + options.host() + ":"
                    + options.port() + " (" + rootMessage(e) + "); pick another --port or --host", e);
        }
        LOG.info("serving {} experts of {} on http://{}:{}/v1", registry.current().experts().size(), run,
                options.host(), server.port());
        return server;
    }

    /** The port listened on (the one picked when the options asked for 0). */
    public int port() {
        return app.port();
    }

    public ExpertRegistry experts() {
        return registry;
    }

    /** The generation workers (tests hold one busy to fill the server deterministically). */
    ExecutorService workers() {
        return workers;
    }

    @Override
    public void close() {
        app.stop();
        workers.shutdownNow();
    }

    private void health(Context ctx) {
        ObjectNode body = json.createObjectNode();
        body.put("status", "ok");
        body.put("experts", registry.current().experts().size());
        body.put("queued", workers.getQueue().size());
        body.put("generating", workers.getActiveCount());
        writeJson(ctx, 200, body);
    }

    private void metrics(Context ctx) {
        ctx.contentType(metrics.contentType()).result(metrics.scrape());
    }

    private void models(Context ctx) {
        ObjectNode body = json.createObjectNode();
        body.put("object", "list");
        body.putArray("data").add(modelJson());
        writeJson(ctx, 200, body);
    }

    private void model(Context ctx) {
        if (!MODEL_ID.equals(ctx.pathParam("id"))) {
            throw new ApiException(404, "invalid_request_error", "model", "model_not_found", "the model '"
                    + ctx.pathParam("id") + "' does not exist; this server serves '" + MODEL_ID + "'");
        }
        writeJson(ctx, 200, modelJson());
    }

    private ObjectNode modelJson() {
        ObjectNode m = json.createObjectNode();
        m.put("id", MODEL_ID);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "chorus");
        return m;
    }

    private void listExperts(Context ctx) {
        ObjectNode body = json.createObjectNode();
        body.put("object", "list");
        body.put("router", options.router());
        body.put("top_k", options.topK());
        ArrayNode data = body.putArray("data");
        for (Expert e : registry.current().experts()) {
            data.add(expertJson(e));
        }
        writeJson(ctx, 200, body);
    }

    private void addExpert(Context ctx) {
        requireAdmin(ctx);
        JsonNode body = readJson(ctx);
        if (!body.isObject()) {
            throw ApiException.invalid(null, "invalid_body", "the request body must be a JSON object");
        }
        JsonNode path = body.get("path");
        if (path == null || !path.isTextual() || path.textValue().isEmpty()) {
            throw ApiException.invalid("path", "invalid_type", "path must be a model folder inside the run, "
                    + "e.g. \"experts/e02\"");
        }
        JsonNode id = body.get("id");
        if (id != null && !id.isNull() && !id.isTextual()) {
            throw ApiException.invalid("id", "invalid_type", "id must be a string");
        }
        JsonNode cluster = body.get("cluster");
        if (cluster != null && !cluster.isNull() && !(cluster.isIntegralNumber() && cluster.canConvertToInt())) {
            throw ApiException.invalid("cluster", "invalid_type", "cluster must be an integer");
        }
        Expert added = registry.add(path.textValue(), id == null || id.isNull() ? null : id.textValue(),
                cluster == null || cluster.isNull() ? null : cluster.intValue());
        writeJson(ctx, 201, expertJson(added));
    }

    private void removeExpert(Context ctx) {
        requireAdmin(ctx);
        Expert removed = registry.remove(ctx.pathParam("id"));
        ObjectNode body = json.createObjectNode();
        body.put("id", removed.id());
        body.put("object", "expert");
        body.put("deleted", true);
        writeJson(ctx, 200, body);
    }

    private ObjectNode expertJson(Expert e) {
        ObjectNode o = json.createObjectNode();
        o.put("id", e.id());
        o.put("object", "expert");
        o.put("path", e.path());
        o.put("cluster", e.cluster());
        ArrayNode terms = o.putArray("top_terms");
        e.topTerms().forEach(terms::add);
        o.put("routed_requests", e.routedRequests());
        return o;
    }

    /** Admin calls need {@code Authorization: Bearer <token>}; without a configured token they are off. */
    private void requireAdmin(Context ctx) {
        if (options.adminToken() == null) {
            throw new ApiException(403, "permission_error", null, "admin_disabled", "admin calls are disabled; "
                    + "start the server with --admin-token or CHORUS_ADMIN_TOKEN");
        }
        String header = ctx.header("Authorization");
        String given = header != null && header.startsWith("Bearer ") ? header.substring("Bearer ".length()).trim()
                : "";
        // Constant time: the comparison must not reveal how much of a guess was right.
        if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                options.adminToken().getBytes(StandardCharsets.UTF_8))) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiException(401, "authentication_error", null, "invalid_api_key", header == null
                    ? "this call needs an 'Authorization: Bearer <admin token>' header"
                    : "the admin token is wrong");
        }
    }

    /**
     * The body as JSON: at most {@code --max-body-bytes}, valid UTF-8, one JSON value. Read here rather
     * than by the framework so every refusal is a 4xx in OpenAI's shape.
     */
    private JsonNode readJson(Context ctx) {
        int limit = options.maxBodyBytes();
        if (ctx.req().getContentLengthLong() > limit) {
            throw tooLarge(limit);
        }
        byte[] bytes;
        try (InputStream in = ctx.req().getInputStream()) {
            bytes = in.readNBytes(limit + 1);
        } catch (IOException e) {
            throw ApiException.invalid(null, "unreadable_body", "could not read the request body: " + e.getMessage());
        }
        if (bytes.length > limit) {
            throw tooLarge(limit);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw ApiException.invalid(null, "invalid_utf8", "the request body is not valid UTF-8");
        }
        try {
            JsonNode node = json.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw ApiException.invalid(null, "invalid_json", "the request body is empty; send a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw ApiException.invalid(null, "invalid_json", "the request body is not valid JSON: "
                    + firstLine(e.getMessage()));
        }
    }

    private static ApiException tooLarge(int limit) {
        return new ApiException(413, "invalid_request_error", null, "request_too_large", "the request body is larger "
                + "than " + limit + " bytes (--max-body-bytes)");
    }

    /** Runs a handler, turns refusals into OpenAI errors and records the request in the metrics. */
    private Handler timed(String endpoint, Handler handler) {
        return ctx -> {
            long t0 = System.nanoTime();
            try {
                handler.handle(ctx);
            } catch (ApiException e) {
                writeError(ctx, e);
            } catch (RuntimeException e) {
                LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
                writeError(ctx, new ApiException(500, "server_error", null, "internal_error",
                        "internal error (a bug in Chorus): " + e));
            } finally {
                metrics.request(endpoint, ctx.statusCode(), (System.nanoTime() - t0) / 1e9);
            }
        };
    }

    void writeJson(Context ctx, int status, JsonNode body) {
        try {
            ctx.status(status).contentType("application/json").result(json.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise a JSON tree", e);
        }
    }

    private void writeError(Context ctx, ApiException e) {
        if (ctx.res().isCommitted()) {
            return; // a stream already started; Completions reports its own errors in-band
        }
        if (e.status() == 429 || e.status() == 503) {
            ctx.header("Retry-After", "1");
        }
        writeJson(ctx, e.status(), errorJson(json, e));
    }

    /** OpenAI's error object: {@code {"error": {"message", "type", "param", "code"}}}. */
    static ObjectNode errorJson(ObjectMapper json, ApiException e) {
        ObjectNode body = json.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("message", e.getMessage());
        error.put("type", e.type());
        error.put("param", e.param());
        error.put("code", e.code());
        return body;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
