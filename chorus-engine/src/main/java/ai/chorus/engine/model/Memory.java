package ai.chorus.engine.model;

import ai.chorus.engine.InvalidInputException;

/** Turns "this would not fit the heap" into a clear user error before allocating, not an OutOfMemoryError. */
final class Memory {

    private Memory() {
    }

    /** Throws if {@code floats} more floats cannot fit the JVM's maximum heap next to what is in use. */
    static void ensureAvailable(long floats, String what) {
        Runtime rt = Runtime.getRuntime();
        long available = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        long needed = floats * Float.BYTES;
        if (needed > available) {
            throw new InvalidInputException(what + " needs " + (needed >> 20) + " MiB but the JVM has about "
                    + (available >> 20) + " MiB left; use a smaller batch, sequence or model, or raise -Xmx");
        }
    }
}
