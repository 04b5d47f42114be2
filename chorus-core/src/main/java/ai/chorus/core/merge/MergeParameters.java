package ai.chorus.core.merge;

import ai.chorus.engine.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * A method's parameters as a recipe gives them, read strictly against the method's declarations
 * ({@link MergeParameter}): each method asks for the parameters it uses, with the declared default and
 * range, and {@link #requireNoOthers} then refuses whatever it did not ask for. Every refusal is one line
 * naming the recipe, the method and the parameter.
 */
final class MergeParameters {
    private final String source;
    private final MergeMethodSpec method;
    private final Map<String, Object> given;
    private final Map<String, Object> resolved = new LinkedHashMap<>();

    /**
     * @param source where the parameters came from, for messages: a recipe file or the flag
     * @param given name → a Number, Boolean or String
     */
    MergeParameters(String source, MergeMethodSpec method, Map<String, Object> given) {
        this.source = source;
        this.method = method;
        this.given = Map.copyOf(given);
    }

    /** A number in the parameter's range. */
    double number(MergeParameter p) {
        Object v = given.getOrDefault(p.name(), p.fallback());
        if (!(v instanceof Number)) {
            throw refuse(p, "must be a number, got " + describe(v));
        }
        double x = ((Number) v).doubleValue();
        if (!p.range().contains(x)) {
            throw refuse(p, "must be in " + p.range() + ", got " + MergeParameter.Range.format(x));
        }
        resolved.put(p.name(), x);
        return x;
    }

    long integer(MergeParameter p) {
        Object v = given.getOrDefault(p.name(), p.fallback());
        if (!(v instanceof Long || v instanceof Integer)) {
            throw refuse(p, "must be an integer, got " + describe(v));
        }
        long x = ((Number) v).longValue();
        resolved.put(p.name(), x);
        return x;
    }

    boolean flag(MergeParameter p) {
        Object v = given.getOrDefault(p.name(), p.fallback());
        if (!(v instanceof Boolean)) {
            throw refuse(p, "must be true or false, got " + describe(v));
        }
        resolved.put(p.name(), v);
        return (Boolean) v;
    }

    String choice(MergeParameter p) {
        Object v = given.getOrDefault(p.name(), p.fallback());
        if (!(v instanceof String) || !p.choices().contains(v)) {
            throw refuse(p, "must be one of " + String.join(", ", p.choices()) + ", got " + describe(v));
        }
        resolved.put(p.name(), v);
        return (String) v;
    }

    boolean has(MergeParameter p) {
        return given.containsKey(p.name());
    }

    /** Refuses every parameter the method did not ask for, naming those it takes. */
    void requireNoOthers() {
        TreeSet<String> unknown = new TreeSet<>(given.keySet());
        unknown.removeAll(resolved.keySet());
        if (!unknown.isEmpty()) {
            throw new InvalidInputException(source + ": unknown parameter" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown) + " for method " + method.name()
                    + (method.parameters().isEmpty() ? " (it takes none)" : " (it takes "
                    + String.join(", ", method.parameters().stream().map(MergeParameter::name).toList()) + ")"));
        }
    }

    /** Every parameter asked for, with the value in force. */
    Map<String, Object> resolved() {
        return new LinkedHashMap<>(resolved);
    }

    InvalidInputException refuse(MergeParameter p, String what) {
        return new InvalidInputException(source + ": parameter " + p.name() + " of " + method.name() + " " + what);
    }

    String source() {
        return source;
    }

    String method() {
        return method.name();
    }

    private static String describe(Object v) {
        return v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
    }
}
