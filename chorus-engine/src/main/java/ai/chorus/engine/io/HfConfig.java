package ai.chorus.engine.io;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face {@code LlamaForCausalLM} config.json: the {@link ModelConfig}, optional special token
 * ids, and every other key of the file ({@code extra}, e.g. a {@code chorus} block or
 * {@code transformers_version}) kept as plain JSON values so that they round-trip.
 *
 * <p>Reads both spellings of transformers 4 and 5 ({@code torch_dtype}/{@code dtype}, {@code rope_theta}/
 * {@code rope_parameters.rope_theta}) with the {@code LlamaConfig} defaults (rms_norm_eps 1e-6, rope_theta
 * 1e4, untied, kv heads = heads) and writes both, so that either version loads our folders. Refuses what
 * this engine would compute wrongly (another model_type, biases, rope scaling, another activation).
 *
 * @param bosTokenId null when absent
 * @param eosTokenId null when absent or not a single id (a list stays in {@code extra})
 */
public record HfConfig(ModelConfig model, Integer bosTokenId, Integer eosTokenId, Map<String, Object> extra) {
    public static final String ARCHITECTURE = "LlamaForCausalLM";
    public static final String FILE_NAME = "config.json";

    /** Keys this class reads and writes itself; everything else is {@code extra}. */
    private static final Set<String> OWNED_KEYS = Set.of("architectures", "model_type", "vocab_size", "hidden_size",
            "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim",
            "max_position_embeddings", "hidden_act", "rms_norm_eps", "rope_theta", "rope_parameters",
            "rope_scaling", "tie_word_embeddings", "torch_dtype", "dtype", "attention_bias", "mlp_bias");

    public HfConfig {
        for (String key : extra.keySet()) {
            if (OWNED_KEYS.contains(key) || key.equals("bos_token_id") && bosTokenId != null
                    || key.equals("eos_token_id") && eosTokenId != null) {
                throw new IllegalArgumentException("extra config key " + key + " is written by HfConfig itself");
            }
        }
        Json.write(extra); // fails early on values JSON cannot hold
        extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    /** A config with no token ids and the one extra transformers' initialiser reads, initializer_range 0.02. */
    public static HfConfig of(ModelConfig model) {
        return new HfConfig(model, null, null, Map.of("initializer_range", 0.02));
    }

    public HfConfig withTokenIds(Integer bos, Integer eos) {
        return new HfConfig(model, bos, eos, extra);
    }

    /** A copy with one extra key set (e.g. a {@code chorus} block of provenance). */
    public HfConfig withExtra(String key, Object value) {
        Map<String, Object> more = new LinkedHashMap<>(extra);
        more.put(key, value);
        return new HfConfig(model, bosTokenId, eosTokenId, more);
    }

    // ---------------------------------------------------------------- writing

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("architectures", List.of(ARCHITECTURE));
        json.put("model_type", "llama");
        json.put("vocab_size", model.vocabSize());
        json.put("hidden_size", model.hiddenSize());
        json.put("intermediate_size", model.intermediateSize());
        json.put("num_hidden_layers", model.numHiddenLayers());
        json.put("num_attention_heads", model.numAttentionHeads());
        json.put("num_key_value_heads", model.numKeyValueHeads());
        json.put("head_dim", model.headDim());
        json.put("max_position_embeddings", model.maxPositionEmbeddings());
        json.put("hidden_act", "silu");
        json.put("rms_norm_eps", model.rmsNormEps());
        json.put("rope_theta", model.ropeTheta());
        Map<String, Object> rope = new LinkedHashMap<>();
        rope.put("rope_type", "default");
        rope.put("rope_theta", model.ropeTheta());
        json.put("rope_parameters", rope);
        json.put("tie_word_embeddings", model.tieWordEmbeddings());
        json.put("torch_dtype", "float32");
        json.put("dtype", "float32");
        if (bosTokenId != null) {
            json.put("bos_token_id", bosTokenId);
        }
        if (eosTokenId != null) {
            json.put("eos_token_id", eosTokenId);
        }
        json.put("attention_bias", false);
        json.put("mlp_bias", false);
        json.putAll(extra);
        return json;
    }

    /** Writes config.json atomically, indented as transformers writes it. */
    public void write(Path file) throws IOException {
        AtomicFiles.writeString(file, Json.writePretty(toJson()) + "\n");
    }

    // ---------------------------------------------------------------- reading

    public static HfConfig read(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file + ": no such file (a model folder needs config.json)");
        }
        String text = Json.decodeUtf8(bytes, 0, bytes.length, file.toString());
        return fromJson(Json.parseObject(text, file.toString()), file.toString());
    }

    /** Interprets a parsed config.json; {@code source} names the file in every error. */
    public static HfConfig fromJson(Map<String, Object> json, String source) {
        Fields f = new Fields(json, source);
        String modelType = f.string("model_type", null);
        if (!"llama".equals(modelType)) {
            throw f.fault("model_type", "is " + (modelType == null ? "missing" : Json.write(modelType))
                    + "; Chorus reads only \"llama\" models");
        }
        Object architectures = json.get("architectures");
        if (architectures != null && !(architectures instanceof List && ((List<?>) architectures).contains(ARCHITECTURE))) {
            throw f.fault("architectures", "is " + Json.write(architectures) + ", expected [\"" + ARCHITECTURE + "\"]");
        }
        String act = f.string("hidden_act", "silu");
        if (!act.equals("silu")) {
            throw f.fault("hidden_act", "is " + Json.write(act) + "; only silu is supported");
        }
        if (f.bool("attention_bias", false) || f.bool("mlp_bias", false)) {
            throw new InvalidInputException(source + ": attention_bias/mlp_bias are true; Chorus models have no biases");
        }
        if (json.get("rope_scaling") != null) {
            throw f.fault("rope_scaling", "is set; RoPE scaling is not supported");
        }
        f.string("torch_dtype", null); // informational: tensors carry their own dtype
        f.string("dtype", null);

        int heads = f.requiredInt("num_attention_heads");
        int hidden = f.requiredInt("hidden_size");
        double ropeTheta = ropeTheta(f, json, source);
        ModelConfig model;
        try {
            model = new ModelConfig(hidden, f.requiredInt("intermediate_size"), f.requiredInt("num_hidden_layers"),
                    heads, f.optionalInt("num_key_value_heads", heads), f.requiredInt("vocab_size"),
                    f.requiredInt("max_position_embeddings"), f.number("rms_norm_eps", 1e-6), ropeTheta,
                    f.bool("tie_word_embeddings", false));
        } catch (InvalidInputException e) {
            throw new InvalidInputException(source + ": " + e.getMessage());
        }
        Object headDim = json.get("head_dim");
        if (headDim != null && !Long.valueOf(model.headDim()).equals(headDim)) {
            throw f.fault("head_dim", "is " + headDim + " but hidden_size/num_attention_heads is " + model.headDim()
                    + "; a separate head_dim is not supported");
        }
        Integer bos = tokenId(json.get("bos_token_id"));
        Integer eos = tokenId(json.get("eos_token_id"));
        Map<String, Object> extra = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : json.entrySet()) {
            boolean typedTokenId = e.getKey().equals("bos_token_id") && bos != null
                    || e.getKey().equals("eos_token_id") && eos != null;
            if (!OWNED_KEYS.contains(e.getKey()) && !typedTokenId) {
                extra.put(e.getKey(), e.getValue());
            }
        }
        return new HfConfig(model, bos, eos, extra);
    }

    /** θ from either spelling; both present must agree, so that neither transformers version is surprised. */
    private static double ropeTheta(Fields f, Map<String, Object> json, String source) {
        Double flat = json.get("rope_theta") == null ? null : f.number("rope_theta", 0);
        Double nested = null;
        Object params = json.get("rope_parameters");
        if (params != null) {
            if (!(params instanceof Map)) {
                throw f.fault("rope_parameters", "must be an object");
            }
            @SuppressWarnings("unchecked")
            Fields p = new Fields((Map<String, Object>) params, source, "rope_parameters.");
            String type = p.string("rope_type", "default");
            if (!type.equals("default")) {
                throw p.fault("rope_type", "is " + Json.write(type) + "; only default RoPE is supported");
            }
            if (((Map<?, ?>) params).get("rope_theta") != null) {
                nested = p.number("rope_theta", 0);
            }
        }
        if (flat != null && nested != null && !flat.equals(nested)) {
            throw new InvalidInputException(source + ": rope_theta " + flat + " and rope_parameters.rope_theta "
                    + nested + " disagree");
        }
        return nested != null ? nested : flat != null ? flat : 10000.0;
    }

    private static Integer tokenId(Object value) {
        return value instanceof Long && (Long) value >= 0 && (Long) value <= Integer.MAX_VALUE
                ? Integer.valueOf((int) (long) (Long) value) : null;
    }

    /** Typed access to config fields; each fault names the file and the field. */
    private static final class Fields {
        private final Map<String, Object> json;
        private final String source;
        private final String prefix;

        Fields(Map<String, Object> json, String source) {
            this(json, source, "");
        }

        Fields(Map<String, Object> json, String source, String prefix) {
            this.json = json;
            this.source = source;
            this.prefix = prefix;
        }

        int requiredInt(String key) {
            if (json.get(key) == null) {
                throw fault(key, "is missing");
            }
            return optionalInt(key, 0);
        }

        int optionalInt(String key, int fallback) {
            Object v = json.get(key);
            if (v == null) {
                return fallback;
            }
            if (!(v instanceof Long) || (Long) v < Integer.MIN_VALUE || (Long) v > Integer.MAX_VALUE) {
                throw fault(key, "must be an integer, got " + Json.write(v));
            }
            return (int) (long) (Long) v;
        }

        double number(String key, double fallback) {
            Number v = typed(key, Number.class, "must be a number");
            return v == null ? fallback : v.doubleValue();
        }

        boolean bool(String key, boolean fallback) {
            Boolean v = typed(key, Boolean.class, "must be true or false");
            return v == null ? fallback : v;
        }

        String string(String key, String fallback) {
            String v = typed(key, String.class, "must be a string");
            return v == null ? fallback : v;
        }

        /** The field as a {@code type}, null when absent; {@code expected} says what it must be otherwise. */
        private <T> T typed(String key, Class<T> type, String expected) {
            Object v = json.get(key);
            if (v != null && !type.isInstance(v)) {
                throw fault(key, expected + ", got " + Json.write(v));
            }
            return type.cast(v);
        }

        InvalidInputException fault(String key, String what) {
            return new InvalidInputException(source + ": field " + prefix + key + " " + what);
        }
    }
}
