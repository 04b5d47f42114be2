package ai.chorus.server;

import ai.chorus.engine.sample.Sampler;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A checked {@code POST /v1/completions} body. Every field OpenAI's completions API defines that the
 * server honours is checked for type and range here, so generation never sees a bad value; fields it
 * does not know are ignored, as OpenAI does.
 *
 * @param prompts one or more prompts; each gets its own choice
 * @param seed the sampling seed (drawn at random when the request gives none, and reported back)
 * @param logprobs alternatives to report per token, or -1 for none
 */
public record CompletionRequest(String model, List<String> prompts, int maxTokens, double temperature, double topP,
                                List<String> stop, long seed, boolean stream, boolean includeUsage, int logprobs) {
    public static final int DEFAULT_MAX_TOKENS = 16;
    public static final int MAX_STOPS = 4;
    public static final int MAX_LOGPROBS = 5;
    public static final int MAX_PROMPTS = 16;

    /** The sampler settings: OpenAI's temperature and top_p, no top-k. */
    public Sampler.Settings sampling() {
        return new Sampler.Settings(temperature, 0, topP);
    }

    /**
     * @param maxTokensLimit the largest {@code max_tokens} the server accepts
     * @throws ApiException naming the offending field
     */
    public static CompletionRequest parse(JsonNode body, String servedModel, int maxTokensLimit) {
        if (!body.isObject()) {
            throw ApiException.invalid(null, "invalid_body", "the request body must be a JSON object");
        }
        JsonNode modelNode = body.get("model");
        if (modelNode == null || modelNode.isNull()) {
            throw ApiException.invalid("model", "missing_required_parameter", "you must provide a model parameter");
        }
        String model = string(modelNode, "model");
        if (!model.equals(servedModel)) {
            throw new ApiException(404, "invalid_request_error", "model", "model_not_found", "the model '" + model
                    + "' does not exist; this server serves '" + servedModel + "' (GET /v1/models)");
        }
        List<String> prompts = prompts(body.get("prompt"));
        int maxTokens = integer(body, "max_tokens", DEFAULT_MAX_TOKENS, 1, maxTokensLimit);
        double temperature = number(body, "temperature", 1.0, 0, 2, true);
        double topP = number(body, "top_p", 1.0, 0, 1, false);
        int n = integer(body, "n", 1, 1, Integer.MAX_VALUE);
        if (n != 1) {
            throw ApiException.invalid("n", "unsupported_value", "n must be 1: this server returns one completion "
                    + "per prompt");
        }
        JsonNode echo = body.get("echo");
        if (echo != null && !echo.isNull() && (!echo.isBoolean() || echo.booleanValue())) {
            throw ApiException.invalid("echo", "unsupported_value", "echo is not supported; leave it out or false");
        }
        List<String> stop = stops(body.get("stop"));
        JsonNode seedNode = body.get("seed");
        long seed;
        if (seedNode == null || seedNode.isNull()) {
            seed = ThreadLocalRandom.current().nextLong(1L << 53); // representable exactly in any JSON reader
        } else if (seedNode.isIntegralNumber() && seedNode.canConvertToLong()) {
            seed = seedNode.longValue();
        } else {
            throw wrongType("seed", "an integer");
        }
        boolean stream = bool(body, "stream");
        boolean includeUsage = false;
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw wrongType("stream_options", "an object");
            }
            includeUsage = bool(options, "include_usage");
        }
        int logprobs = -1;
        JsonNode lp = body.get("logprobs");
        if (lp != null && !lp.isNull()) {
            logprobs = integer(body, "logprobs", 0, 0, MAX_LOGPROBS);
            if (stream) {
                throw ApiException.invalid("logprobs", "unsupported_value", "logprobs are not streamed; "
                        + "ask for them without stream");
            }
        }
        return new CompletionRequest(model, prompts, maxTokens, temperature, topP, stop, seed, stream, includeUsage,
                logprobs);
    }

    private static List<String> prompts(JsonNode node) {
        if (node == null || node.isNull()) {
            throw ApiException.invalid("prompt", "missing_required_parameter", "you must provide a prompt");
        }
        if (node.isTextual()) {
            return List.of(node.textValue());
        }
        if (!node.isArray() || node.isEmpty()) {
            throw wrongType("prompt", "a string or a non-empty array of strings");
        }
        if (node.size() > MAX_PROMPTS) {
            throw ApiException.invalid("prompt", "too_many_prompts", "at most " + MAX_PROMPTS
                    + " prompts per request, got " + node.size());
        }
        List<String> prompts = new ArrayList<>();
        for (JsonNode p : node) {
            if (!p.isTextual()) {
                throw wrongType("prompt", "a string or an array of strings (token arrays are not supported)");
            }
            prompts.add(p.textValue());
        }
        return List.copyOf(prompts);
    }

    private static List<String> stops(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        List<String> stops = new ArrayList<>();
        if (node.isTextual()) {
            stops.add(node.textValue());
        } else if (node.isArray()) {
            if (node.size() > MAX_STOPS) {
                throw ApiException.invalid("stop", "too_many_stops", "at most " + MAX_STOPS
                        + " stop sequences, got " + node.size());
            }
            for (JsonNode s : node) {
                if (!s.isTextual()) {
                    throw wrongType("stop", "a string or an array of strings");
                }
                stops.add(s.textValue());
            }
        } else {
            throw wrongType("stop", "a string or an array of strings");
        }
        if (stops.stream().anyMatch(String::isEmpty)) {
            throw ApiException.invalid("stop", "invalid_value", "stop sequences must not be empty");
        }
        return List.copyOf(stops);
    }

    private static String string(JsonNode node, String field) {
        if (!node.isTextual()) {
            throw wrongType(field, "a string");
        }
        return node.textValue();
    }

    private static boolean bool(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            throw wrongType(field, "true or false");
        }
        return node.booleanValue();
    }

    private static int integer(JsonNode body, String field, int fallback, int min, int max) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        // 16.0 is an integer to JavaScript clients, so an integral float passes; 16.5 does not.
        if (!node.isNumber() || (!node.isIntegralNumber() && node.doubleValue() != Math.rint(node.doubleValue()))) {
            throw wrongType(field, "an integer");
        }
        double v = node.doubleValue();
        if (v < min || v > max) {
            throw ApiException.invalid(field, "invalid_value", field + " must be in [" + min + ", " + max + "], got "
                    + node.asText());
        }
        return (int) v;
    }

    private static double number(JsonNode body, String field, double fallback, double min, double max,
                                 boolean minInclusive) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isNumber()) {
            throw wrongType(field, "a number");
        }
        double v = node.doubleValue();
        if (!(minInclusive ? v >= min : v > min) || !(v <= max)) {
            throw ApiException.invalid(field, "invalid_value", field + " must be in " + (minInclusive ? "[" : "(")
                    + min + ", " + max + "], got " + node.asText());
        }
        return v;
    }

    private static ApiException wrongType(String field, String expected) {
        return ApiException.invalid(field, "invalid_type", field + " must be " + expected);
    }
}
