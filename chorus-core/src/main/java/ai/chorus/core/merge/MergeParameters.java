package ai.chorus.core.merge;

import ai.chorus.engine.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * A method's parameters as a recipe gives them, read strictly: each method asks for the parameters it
 * knows, with their defaults and ranges, and {@link #requireNoOthers} then refuses whatever it did not ask
 * for. Every refusal is one line naming the recipe, the method and the parameter.
 */
final class MergeParameters {
    private final String source;
    private final String method;
    private final Map<String, Object> given;
    private final Map<String, Object> resolved = new LinkedHashMap<>();

    /**
     * @param source where the parameters came from, for messages: a recipe file or the flag
     * @param given name → a Number, Boolean or String
     */
    MergeParameters(String source, String method, Map<String, Object> given) {
        this.source = source;
        this.method = method;
        this.given = Map.copyOf(given);
    }

    /** A number in [min, max] (bounds inclusive as flagged). */
    double number(String key, double fallback, double min, boolean minInclusive, double max, boolean maxInclusive) {
        Object v = given.getOrDefault(key, fallback);
        if (!(v instanceof Number)) {
            throw refuse(key, "must be a number, got " + describe(v));
        }
        double x = ((Number) v).doubleValue();
        boolean aboveMin = minInclusive ? x >= min : x > min;
        boolean belowMax = maxInclusive ? x <= max : x < max;
        if (!aboveMin || !belowMax) {
            throw refuse(key, "must be in " + (minInclusive ? "[" : "(") + format(min) + ", " + format(max)
                    + (maxInclusive ? "]" : ")") + ", got " + format(x));
        }
        resolved.put(key, x);
        return x;
    }

    long integer(String key, long fallback) {
        Object v = given.getOrDefault(key, fallback);
        if (!(v instanceof Long || v instanceof Integer)) {
            throw refuse(key, "must be an integer, got " + describe(v));
        }
        long x = ((Number) v).longValue();
        resolved.put(key, x);
        return x;
    }

    boolean flag(String key, boolean fallback) {
        Object v = given.getOrDefault(key, fallback);
        if (!(v instanceof Boolean)) {
            throw refuse(key, "must be true or false, got " + describe(v));
        }
        resolved.put(key, v);
        return (Boolean) v;
    }

    String choice(String key, String fallback, java.util.List<String> allowed) {
        Object v = given.getOrDefault(key, fallback);
        if (!(v instanceof String) || !allowed.contains(v)) {
            throw refuse(key, "must be one of " + String.join(", ", allowed) + ", got " + describe(v));
        }
        resolved.put(key, v);
        return (String) v;
    }

    boolean has(String key) {
        return given.containsKey(key);
    }

    /** Refuses every parameter the method did not ask for. */
    void requireNoOthers() {
        TreeSet<String> unknown = new TreeSet<>(given.keySet());
        unknown.removeAll(resolved.keySet());
        if (!unknown.isEmpty()) {
            throw new InvalidInputException(source + ": unknown parameter" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown) + " for method " + method
                    + (resolved.isEmpty() ? " (it takes none)" : " (it takes " + String.join(", ", resolved.keySet())
                    + ")"));
        }
    }

    /** Every parameter asked for, with the value in force. */
    Map<String, Object> resolved() {
        return new LinkedHashMap<>(resolved);
    }

    InvalidInputException refuse(String key, String what) {
        return new InvalidInputException(source + ": parameter " + key + " of " + method + " " + what);
    }

    String source() {
        return source;
    }

    String method() {
        return method;
    }

    private static String describe(Object v) {
        return v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
    }

    private static String format(double x) {
        return x == Math.rint(x) && Math.abs(x) < 1e15 ? String.valueOf((long) x) : String.valueOf(x);
    }
}
