package ai.chorus.engine.model;

import ai.chorus.engine.InvalidInputException;

/**
 * A bump allocator of offsets in one flat float[]: the parameters, the activations and the transposed
 * weights are each laid out with one, tensor after tensor, and refused with {@code whatTooLarge} when
 * they would not fit one Java array.
 */
final class Offsets {

    private final String tooLarge;
    private long size;

    /** {@code tooLarge} is the refusal's text after "N floats: ", saying what to reduce. */
    Offsets(String tooLarge) {
        this.tooLarge = tooLarge;
    }

    /** Reserves {@code n} floats and returns where they start. */
    int take(long n) {
        long at = size;
        size += n;
        if (size > Integer.MAX_VALUE - 16) {
            throw new InvalidInputException(size + " floats: " + tooLarge);
        }
        return (int) at;
    }

    int size() {
        return (int) size;
    }
}
