package ai.chorus.core.merge;

import java.util.List;

/**
 * One parameter of a merge method as the registry declares it: its name in recipes, its kind, default, range
 * or choices, and the sentence help prints. {@link MergeParameters} reads a recipe's value against it, so the
 * range a refusal names and the one help shows are the same declaration.
 *
 * @param fallback the default: a Double, Long, Boolean or String by kind
 * @param range the allowed numbers (kind NUMBER only, else null)
 * @param choices the allowed words (kind CHOICE only, else empty)
 */
public record MergeParameter(String name, Kind kind, Object fallback, Range range, List<String> choices,
                             String description) {
    /** What values a parameter takes. */
    public enum Kind { NUMBER, INTEGER, FLAG, CHOICE }

    public MergeParameter {
        choices = List.copyOf(choices);
    }

    static MergeParameter number(String name, double fallback, Range range, String description) {
        return new MergeParameter(name, Kind.NUMBER, fallback, range, List.of(), description);
    }

    static MergeParameter integer(String name, long fallback, String description) {
        return new MergeParameter(name, Kind.INTEGER, fallback, null, List.of(), description);
    }

    static MergeParameter flag(String name, boolean fallback, String description) {
        return new MergeParameter(name, Kind.FLAG, fallback, null, List.of(), description);
    }

    static MergeParameter choice(String name, String fallback, List<String> choices, String description) {
        return new MergeParameter(name, Kind.CHOICE, fallback, null, choices, description);
    }

    /** "density (0, 1], default 0.2: ..." as help lists it. */
    public String help() {
        String values = switch (kind) {
            case NUMBER -> "number in " + range;
            case INTEGER -> "integer";
            case FLAG -> "true|false";
            case CHOICE -> String.join("|", choices);
        };
        return name + " (" + values + ", default " + format(fallback) + "): " + description;
    }

    static String format(Object v) {
        if (v instanceof Double x) {
            return Range.format(x);
        }
        return String.valueOf(v);
    }

    /** An interval of numbers, each end open or closed: {@code (0, 1]}. */
    public record Range(double min, boolean minInclusive, double max, boolean maxInclusive) {
        static Range closed(double min, double max) {
            return new Range(min, true, max, true);
        }

        /** (min, max]. */
        static Range openClosed(double min, double max) {
            return new Range(min, false, max, true);
        }

        /** [min, max). */
        static Range closedOpen(double min, double max) {
            return new Range(min, true, max, false);
        }

        public boolean contains(double x) {
            return (minInclusive ? x >= min : x > min) && (maxInclusive ? x <= max : x < max);
        }

        @Override
        public String toString() {
            return (minInclusive ? "[" : "(") + format(min) + ", " + format(max) + (maxInclusive ? "]" : ")");
        }

        static String format(double x) {
            return x == Math.rint(x) && Math.abs(x) < 1e15 ? String.valueOf((long) x) : String.valueOf(x);
        }
    }
}
