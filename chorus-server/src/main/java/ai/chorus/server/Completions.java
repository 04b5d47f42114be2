package ai.chorus.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/completions}: checks the request on the HTTP thread, hands routing and generation
 * to a worker and waits for it — for the whole result, or piece by piece when streaming, writing each
 * piece as an OpenAI chunk event the moment it settles. The worker never writes to the network, so a
 * slow client cannot hold a worker.
 *
 * <p>A request keeps the {@link ExpertSet} it was routed with until it ends; the deadline
 * ({@code --timeout}) counts from arrival, queueing included.
 */
final class Completions {
    private static final Logger LOG = LoggerFactory.getLogger(Completions.class);

    private final ServeOptions options;
    private final ExpertRegistry registry;
    private final MixtureGenerator generator;
    private final ExecutorService workers;
    private final ServerMetrics metrics;
    private final ObjectMapper json;

    Completions(ServeOptions options, ExpertRegistry registry, MixtureGenerator generator, ExecutorService workers,
                ServerMetrics metrics, ObjectMapper json) {
        this.options = options;
        this.registry = registry;
        this.generator = generator;
        this.workers = workers;
        this.metrics = metrics;
        this.json = json;
    }

    /** One prompt of a request, encoded and routed. */
    private record Prompt(int index, int[] tokens, ExpertSet.Routing routing) {}

    /** What a streaming worker hands to the HTTP thread. */
    private sealed interface Event permits Routed, Piece, Finished, Failed, AllDone {}

    private record Routed(List<Prompt> prompts) implements Event {}

    private record Piece(int index, String text) implements Event {}

    private record Finished(Prompt prompt, MixtureGenerator.Result result) implements Event {}

    private record Failed(Throwable error) implements Event {}

    private record AllDone() implements Event {}

    void handle(Context ctx, JsonNode body) throws IOException {
        long deadline = System.nanoTime() + options.timeout().toNanos();
        CompletionRequest request = CompletionRequest.parse(body, ChorusServer.MODEL_ID, options.maxTokens());
        ExpertSet experts = registry.current(); // this request's experts, whatever the admin calls do meanwhile
        if (experts.isEmpty()) {
            throw new ApiException(503, "server_error", null, "no_experts", "no experts are loaded; "
                    + "POST /v1/experts to load one");
        }
        AtomicBoolean cancelled = new AtomicBoolean();
        MixtureGenerator.StopSignal stop = () -> cancelled.get() || System.nanoTime() - deadline > 0;
        String id = "cmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = Instant.now().getEpochSecond();
        if (request.stream()) {
            stream(ctx, request, experts, id, created, deadline, cancelled, stop);
        } else {
            complete(ctx, request, experts, id, created, deadline, cancelled, stop);
        }
    }

    /**
     * Encodes and routes every prompt of a request. Runs on a worker: the tokenizer and the router's
     * embedder keep per-thread scratch, which the fixed pool bounds and the HTTP threads would not.
     */
    private List<Prompt> route(CompletionRequest request, ExpertSet experts) {
        List<Prompt> prompts = new ArrayList<>();
        for (int index = 0; index < request.prompts().size(); index++) {
            String text = request.prompts().get(index);
            int[] tokens = generator.encode(text);
            if (tokens.length > options.maxPromptTokens()) {
                throw ApiException.invalid("prompt", "context_length_exceeded", "prompt " + index + " is "
                        + tokens.length + " tokens; this server accepts at most " + options.maxPromptTokens()
                        + " (--max-prompt-tokens)");
            }
            ExpertSet.Routing chosen = experts.route(text, tokens);
            int context = Integer.MAX_VALUE;
            for (ExpertSet.Choice c : chosen.choices()) {
                context = Math.min(context, c.expert().config().maxPositionEmbeddings());
            }
            if (Math.max(tokens.length, 1) >= context) {
                throw ApiException.invalid("prompt", "context_length_exceeded", "prompt " + index + " is "
                        + tokens.length + " tokens; the experts' context is " + context
                        + " tokens, leaving no room to generate");
            }
            prompts.add(new Prompt(index, tokens, chosen));
        }
        for (Prompt p : prompts) {
            for (ExpertSet.Choice c : p.routing().choices()) {
                c.expert().countRouted();
                metrics.routedTo(c.expert().id());
            }
        }
        return prompts;
    }

    private MixtureGenerator.Result generate(CompletionRequest request, Prompt prompt,
                                             MixtureGenerator.StopSignal stop, MixtureGenerator.TextSink sink) {
        MixtureGenerator.Params params = new MixtureGenerator.Params(request.maxTokens(), request.sampling(),
                request.seed(), request.stop(), request.logprobs());
        MixtureGenerator.Result r = generator.generate(prompt.tokens(), prompt.routing(), params, stop, sink);
        metrics.tokens(r.promptTokens(), r.completionTokens());
        return r;
    }

    /** The prompts as routed and what each generated. */
    private record Outcome(List<Prompt> prompts, List<MixtureGenerator.Result> results) {}

    private void complete(Context ctx, CompletionRequest request, ExpertSet experts, String id, long created,
                          long deadline, AtomicBoolean cancelled, MixtureGenerator.StopSignal stop) {
        Future<Outcome> done = submit(() -> {
            List<Prompt> prompts = route(request, experts);
            List<MixtureGenerator.Result> results = new ArrayList<>();
            for (Prompt p : prompts) {
                results.add(generate(request, p, stop, piece -> { }));
            }
            return new Outcome(prompts, results);
        });
        Outcome outcome;
        try {
            outcome = done.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            cancelled.set(true);
            done.cancel(false);
            throw timedOut();
        } catch (InterruptedException e) {
            cancelled.set(true);
            Thread.currentThread().interrupt();
            throw new ApiException(503, "server_error", null, "shutting_down", "the server is shutting down");
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        }
        List<Prompt> prompts = outcome.prompts();
        List<MixtureGenerator.Result> results = outcome.results();
        ObjectNode body = header(id, created);
        ArrayNode choices = body.putArray("choices");
        int promptTokens = 0;
        int completionTokens = 0;
        for (int i = 0; i < prompts.size(); i++) {
            MixtureGenerator.Result r = results.get(i);
            ObjectNode choice = choices.addObject();
            choice.put("text", r.text());
            choice.put("index", i);
            if (r.logprobs() == null) {
                choice.putNull("logprobs");
            } else {
                choice.set("logprobs", logprobsJson(r.logprobs()));
            }
            choice.put("finish_reason", r.finishReason());
            choice.set("chorus", routingJson(r.experts()));
            promptTokens += r.promptTokens();
            completionTokens += r.completionTokens();
        }
        body.set("usage", usageJson(promptTokens, completionTokens));
        body.set("chorus", extensionJson(request, results.get(0).experts()));
        ctx.status(200).contentType("application/json").result(bytes(body));
    }

    private void stream(Context ctx, CompletionRequest request, ExpertSet experts, String id, long created,
                        long deadline, AtomicBoolean cancelled, MixtureGenerator.StopSignal stop) throws IOException {
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        submit(() -> {
            try {
                List<Prompt> prompts = route(request, experts);
                events.add(new Routed(prompts));
                for (Prompt p : prompts) {
                    MixtureGenerator.Result r = generate(request, p, stop, piece -> events.add(new Piece(p.index(), piece)));
                    events.add(new Finished(p, r));
                }
                events.add(new AllDone());
            } catch (Throwable t) { // handed to the HTTP thread, which reports it
                events.add(new Failed(t));
            }
            return null;
        });
        // Until the prompts are routed nothing is sent, so a refused prompt is an ordinary JSON error.
        Event first;
        try {
            first = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            cancelled.set(true);
            Thread.currentThread().interrupt();
            throw new ApiException(503, "server_error", null, "shutting_down", "the server is shutting down");
        }
        if (first == null) {
            cancelled.set(true);
            throw timedOut();
        }
        if (first instanceof Failed failed) {
            throw failure(failed.error());
        }
        ctx.status(200);
        ctx.res().setContentType("text/event-stream; charset=utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        OutputStream out = ctx.res().getOutputStream();
        int promptTokens = 0;
        int completionTokens = 0;
        List<ExpertSet.Choice> firstExperts = null; // the first prompt's, as weighed, for the usage chunk
        try {
            out.flush(); // headers now: the client knows its prompts were accepted
            while (true) {
                Event event = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (event == null) {
                    cancelled.set(true);
                    send(out, ChorusServer.errorJson(json, timedOut()));
                    return;
                }
                if (event instanceof Piece piece) {
                    send(out, chunk(id, created, piece.index(), piece.text(), null, null));
                } else if (event instanceof Finished f) {
                    send(out, chunk(id, created, f.prompt().index(), "", f.result().finishReason(),
                            routingJson(f.result().experts())));
                    if (f.prompt().index() == 0) {
                        firstExperts = f.result().experts();
                    }
                    promptTokens += f.result().promptTokens();
                    completionTokens += f.result().completionTokens();
                } else if (event instanceof Failed failed) {
                    send(out, ChorusServer.errorJson(json, failure(failed.error())));
                    return;
                } else if (event instanceof AllDone) {
                    if (request.includeUsage()) {
                        ObjectNode usage = header(id, created);
                        usage.putArray("choices");
                        usage.set("usage", usageJson(promptTokens, completionTokens));
                        usage.set("chorus", extensionJson(request, firstExperts));
                        send(out, usage);
                    }
                    out.write("data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    return;
                }
            }
        } catch (IOException e) {
            cancelled.set(true); // the client went away: stop generating for it
            LOG.debug("stream {} closed by the client: {}", id, e.toString());
        } catch (InterruptedException e) {
            cancelled.set(true);
            Thread.currentThread().interrupt();
        }
    }

    private <T> Future<T> submit(Callable<T> job) {
        try {
            return workers.submit(job);
        } catch (RejectedExecutionException e) {
            metrics.rejected();
            throw new ApiException(429, "rate_limit_error", null, "queue_full", "every generation worker is busy and "
                    + "the queue is full; retry after the Retry-After delay");
        }
    }

    private static ApiException timedOut() {
        return new ApiException(503, "server_error", null, "timeout", "the request took longer than the server's "
                + "timeout (--timeout); retry, ask for fewer tokens, or try when the server is less busy");
    }

    /** What a worker's failure means to the client. */
    private static ApiException failure(Throwable cause) {
        if (cause instanceof ApiException api) {
            return api;
        }
        if (cause instanceof CancellationException) {
            return timedOut();
        }
        LOG.error("generation failed", cause);
        return new ApiException(500, "server_error", null, "internal_error", "internal error (a bug in Chorus): "
                + cause);
    }

    private void send(OutputStream out, JsonNode event) throws IOException {
        out.write("data: ".getBytes(StandardCharsets.US_ASCII));
        out.write(bytes(event));
        out.write("\n\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private ObjectNode header(String id, long created) {
        ObjectNode body = json.createObjectNode();
        body.put("id", id);
        body.put("object", "text_completion");
        body.put("created", created);
        body.put("model", ChorusServer.MODEL_ID);
        return body;
    }

    private ObjectNode chunk(String id, long created, int index, String text, String finishReason, JsonNode routing) {
        ObjectNode body = header(id, created);
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("text", text);
        choice.put("index", index);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        if (routing != null) {
            choice.set("chorus", routing);
        }
        return body;
    }

    private ObjectNode usageJson(int prompt, int completion) {
        ObjectNode usage = json.createObjectNode();
        usage.put("prompt_tokens", prompt);
        usage.put("completion_tokens", completion);
        usage.put("total_tokens", prompt + completion);
        return usage;
    }

    /** The experts a prompt was mixed from, heaviest first: {@code {"experts": [{"id", "weight"}, ...]}}. */
    private ObjectNode routingJson(List<ExpertSet.Choice> experts) {
        ObjectNode o = json.createObjectNode();
        ArrayNode list = o.putArray("experts");
        for (ExpertSet.Choice c : experts) {
            ObjectNode e = list.addObject();
            e.put("id", c.expert().id());
            e.put("weight", c.weight());
        }
        return o;
    }

    /** The response's {@code chorus} field: how it was routed, the seed, the first prompt's experts. */
    private ObjectNode extensionJson(CompletionRequest request, List<ExpertSet.Choice> first) {
        ObjectNode o = json.createObjectNode();
        o.put("router", options.router());
        o.put("top_k", options.topK());
        o.put("routing", "once per prompt");
        // What the router read: the prompt alone, never the tokens it generates (eval's rows route on the window).
        o.put("router_context", "prompt");
        o.put("seed", request.seed());
        o.set("experts", routingJson(first).get("experts"));
        return o;
    }

    private ObjectNode logprobsJson(List<MixtureGenerator.TokenLogprob> tokens) {
        ObjectNode o = json.createObjectNode();
        ArrayNode text = o.putArray("tokens");
        ArrayNode logprobs = o.putArray("token_logprobs");
        ArrayNode top = o.putArray("top_logprobs");
        ArrayNode offsets = o.putArray("text_offset");
        for (MixtureGenerator.TokenLogprob t : tokens) {
            text.add(t.token());
            logprobs.add(t.logprob());
            ObjectNode alternatives = top.addObject();
            for (Map.Entry<String, Double> a : t.top().entrySet()) {
                alternatives.put(a.getKey(), a.getValue());
            }
            offsets.add(t.textOffset());
        }
        return o;
    }

    private byte[] bytes(JsonNode node) {
        try {
            return json.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise a JSON tree", e);
        }
    }
}
