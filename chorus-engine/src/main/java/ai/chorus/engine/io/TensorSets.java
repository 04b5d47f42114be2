package ai.chorus.engine.io;

import ai.chorus.engine.InvalidInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The one check that a file holds exactly the tensors a caller expects, with their shapes. */
final class TensorSets {
    private static final int NAMES_SHOWN = 5;

    private TensorSets() {}

    /**
     * Refuses, in one line naming {@code source}, tensors that are missing, unexpected or of another shape.
     * Runs before any data is copied, so a refused load leaves its targets untouched.
     */
    static void requireSame(String source, Map<String, int[]> expected, Map<String, int[]> found) {
        List<String> missing = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            int[] shape = found.get(e.getKey());
            if (shape == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(shape, e.getValue())) {
                misShaped.add(e.getKey() + " " + Arrays.toString(shape) + " (expected "
                        + Arrays.toString(e.getValue()) + ")");
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String name : found.keySet()) {
            if (!expected.containsKey(name)) {
                unexpected.add(name);
            }
        }
        List<String> faults = new ArrayList<>();
        describe(faults, "missing tensors", missing);
        describe(faults, "unexpected tensors", unexpected);
        describe(faults, "wrong shapes", misShaped);
        if (!faults.isEmpty()) {
            throw new InvalidInputException(source + ": does not match the model: " + String.join("; ", faults));
        }
    }

    private static void describe(List<String> faults, String what, List<String> names) {
        if (names.isEmpty()) {
            return;
        }
        String shown = Json.printable(String.join(", ", names.subList(0, Math.min(NAMES_SHOWN, names.size()))));
        faults.add(what + " " + shown + (names.size() > NAMES_SHOWN ? " and " + (names.size() - NAMES_SHOWN)
                + " more" : ""));
    }
}
