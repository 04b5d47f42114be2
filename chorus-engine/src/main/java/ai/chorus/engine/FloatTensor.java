package ai.chorus.engine;

import java.util.Arrays;

/**
 * A named, shaped view into a flat float buffer: how a model exposes its parameters (with Hugging
 * Face names) to checkpoint I/O, merging and tests without copying. Row-major.
 */
public record FloatTensor(String name, int[] shape, float[] data, int offset) {

    public FloatTensor {
        long n = numel(shape);
        if (offset < 0 || offset + n > data.length) {
            throw new IllegalArgumentException(name + ": view [" + offset + ", " + (offset + n)
                    + ") outside a buffer of " + data.length);
        }
    }

    /** A tensor that owns a fresh array of its own. */
    public static FloatTensor allocate(String name, int... shape) {
        return new FloatTensor(name, shape.clone(), new float[Math.toIntExact(numel(shape))], 0);
    }

    public int size() {
        return (int) numel(shape);
    }

    public float get(int i) {
        return data[offset + i];
    }

    public void set(int i, float v) {
        data[offset + i] = v;
    }

    public static long numel(int[] shape) {
        long n = 1;
        for (int s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n *= s;
        }
        return n;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
