package ai.chorus.core.merge;

import ai.chorus.engine.InvalidInputException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What to merge and how, so that a merge can be repeated: a YAML or JSON file (by its extension:
 * {@code .json} is JSON, anything else YAML).
 *
 * <pre>
 * method: ties              # one of MergeMethods.NAMES
 * base: seed                # the model task vectors are taken against (default: the run's seed)
 * models:                   # a folder: relative to the run, or experts/NAME, or absolute
 *   - model: e00
 *     weight: 1.0           # optional; give it for every model or for none
 *   - e01                   # the short form: no weight
 * parameters:
 *   density: 0.2
 *   lambda: 1.0
 * </pre>
 *
 * <p>Read strictly: unknown keys, a missing method or model list, and values of the wrong type are refused
 * in one line naming the file; the method then checks its own parameters ({@link MergeMethods}).
 *
 * @param source the file (or flag) the recipe came from, for messages
 * @param base the base model reference, or null for the method's default (the seed where one is needed)
 * @param weights one per model, or null when the recipe gives none
 * @param parameters Number, Boolean or String values
 */
public record MergeRecipe(String source, String method, String base, List<String> models, double[] weights,
                          Map<String, Object> parameters) {
    private static final Set<String> KEYS = Set.of("method", "base", "models", "parameters");
    /** YAML's .nan/.inf, which Jackson reports as a malformed number. */
    private static final Pattern NON_FINITE =
            Pattern.compile("'([-+]?\\.(?:nan|NaN|NAN|inf|Inf|INF))'");
    private static final Set<String> MODEL_KEYS = Set.of("model", "weight");

    public MergeRecipe {
        models = List.copyOf(models);
        weights = weights == null ? null : weights.clone();
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    @Override
    public double[] weights() {
        return weights == null ? null : weights.clone();
    }

    /** The simple case: these models, the method's defaults. */
    public static MergeRecipe of(String source, String method, List<String> models) {
        return new MergeRecipe(source, method, null, models, null, Map.of());
    }

    public static MergeRecipe read(Path file) throws IOException {
        String text;
        if (Files.isDirectory(file)) {
            throw new InvalidInputException("recipe " + file + " is a folder; give a recipe file (.yaml, .yml or .json)");
        }
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("recipe " + file + ": no such file");
        } catch (MalformedInputException e) {
            throw new InvalidInputException("recipe " + file + ": not UTF-8 text");
        }
        boolean json = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
        return parse(text, json, "recipe " + file);
    }

    /** Parses recipe text; {@code json} false means YAML. */
    public static MergeRecipe parse(String text, boolean json, String source) {
        ObjectMapper mapper = json ? new ObjectMapper() : new YAMLMapper();
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        JsonNode root;
        try {
            if (!json) {
                refuseAliases(mapper, text, source);
            }
            root = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            Matcher special = NON_FINITE.matcher(String.valueOf(e.getOriginalMessage()));
            if (special.find()) {
                throw new InvalidInputException(source + ": " + special.group(1) + location(e) + " is not a finite"
                        + " number; recipes take finite numbers only");
            }
            throw new InvalidInputException(source + ": not valid " + (json ? "JSON" : "YAML") + ": "
                    + e.getOriginalMessage().lines().findFirst().orElse("") + location(e));
        }
        if (root == null || !root.isObject()) {
            throw new InvalidInputException(source + ": must be a mapping with method, models and (optionally) base"
                    + " and parameters");
        }
        requireKnownKeys(root, KEYS, source, "");
        String method = requireText(root, "method", source);
        String base = root.has("base") ? requireText(root, "base", source) : null;
        JsonNode modelList = root.get("models");
        if (modelList == null || !modelList.isArray() || modelList.isEmpty()) {
            throw new InvalidInputException(source + ": models must be a non-empty list of model folders");
        }
        List<String> models = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        int index = 0;
        for (JsonNode m : modelList) {
            String where = "models[" + index++ + "]";
            if (m.isTextual()) {
                models.add(requireNonBlank(m.asText(), source, where));
                weights.add(null);
            } else if (m.isObject()) {
                requireKnownKeys(m, MODEL_KEYS, source, where + ".");
                models.add(requireText(m, "model", source, where + ".model"));
                JsonNode w = m.get("weight");
                if (w != null && (!w.isNumber() || !Double.isFinite(w.asDouble()))) {
                    throw new InvalidInputException(source + ": " + where + ".weight must be a finite number, got " + w);
                }
                weights.add(w == null ? null : w.asDouble());
            } else {
                throw new InvalidInputException(source + ": " + where + " must be a folder name or {model, weight}");
            }
        }
        long weighted = weights.stream().filter(w -> w != null).count();
        if (weighted != 0 && weighted != weights.size()) {
            throw new InvalidInputException(source + ": give a weight to every model or to none (" + weighted + " of "
                    + weights.size() + " have one)");
        }
        double[] w = weighted == 0 ? null : weights.stream().mapToDouble(Double::doubleValue).toArray();
        Map<String, Object> parameters = new LinkedHashMap<>();
        JsonNode params = root.get("parameters");
        if (params != null && !params.isNull()) {
            if (!params.isObject()) {
                throw new InvalidInputException(source + ": parameters must be a mapping of name to value");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                parameters.put(e.getKey(), scalar(e.getValue(), source, "parameters." + e.getKey()));
            }
        }
        return new MergeRecipe(source, method, base, models, w, parameters);
    }

    /**
     * Jackson reads a YAML alias ({@code *a}) as the anchor's name, a string, so a recipe using one would merge
     * something else than it says: refused, naming where.
     */
    private static void refuseAliases(ObjectMapper mapper, String text, String source) throws JsonProcessingException {
        try (JsonParser p = mapper.getFactory().createParser(text)) {
            while (p.nextToken() != null) {
                if (p instanceof YAMLParser y && y.isCurrentAlias()) {
                    throw new InvalidInputException(source + ": line " + p.currentLocation().getLineNr()
                            + " uses the YAML alias *" + p.getText() + "; aliases are not supported in recipes,"
                            + " write the value out");
                }
            }
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a String does not fail
        }
    }

    /** The recipe as JSON, as provenance records it. */
    public ObjectNode toJson(ObjectMapper mapper) {
        ObjectNode o = mapper.createObjectNode();
        o.put("method", method);
        if (base != null) {
            o.put("base", base);
        }
        ArrayNode list = o.putArray("models");
        for (int i = 0; i < models.size(); i++) {
            if (weights == null) {
                list.add(models.get(i));
            } else {
                list.addObject().put("model", models.get(i)).put("weight", weights[i]);
            }
        }
        o.set("parameters", mapper.valueToTree(parameters));
        return o;
    }

    private static Object scalar(JsonNode v, String source, String where) {
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return v.asLong();
        }
        if (v.isNumber()) {
            if (!Double.isFinite(v.asDouble())) {
                throw new InvalidInputException(source + ": " + where + " is " + v.asDouble() + " (.nan/.inf); give a"
                        + " finite number");
            }
            return v.asDouble();
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        if (v.isTextual()) {
            return v.asText();
        }
        throw new InvalidInputException(source + ": " + where + " must be a number, true/false or a word, got " + v);
    }

    private static void requireKnownKeys(JsonNode node, Set<String> known, String source, String prefix) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                throw new InvalidInputException(source + ": unknown key " + prefix + key + " (known: "
                        + String.join(", ", new TreeSet<>(known)) + ")");
            }
        }
    }

    private static String requireText(JsonNode node, String key, String source) {
        return requireText(node, key, source, key);
    }

    private static String requireText(JsonNode node, String key, String source, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            throw new InvalidInputException(source + ": missing " + where);
        }
        if (!v.isTextual()) {
            throw new InvalidInputException(source + ": " + where + " must be a string, got " + v);
        }
        return requireNonBlank(v.asText(), source, where);
    }

    private static String requireNonBlank(String s, String source, String where) {
        if (s.isBlank()) {
            throw new InvalidInputException(source + ": " + where + " is empty");
        }
        return s;
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                + e.getLocation().getColumnNr() + ")";
    }
}
