package ai.chorus.engine.kernel;

/** Token embedding lookup: out[m,:] = table[tokens[m],:]. */
public final class Embedding {

    private Embedding() {
    }

    public static void forward(float[] out, int outOff, int[] tokens, int tokOff, int rows,
                               float[] table, int tableOff, int dim) {
        for (int m = 0; m < rows; m++) {
            System.arraycopy(table, tableOff + tokens[tokOff + m] * dim, out, outOff + m * dim, dim);
        }
    }

    /**
     * dTable[tokens[m],:] += dout[m,:]. Serial in row order on purpose: rows scatter into shared
     * table rows, and a fixed order keeps the sum bit-identical for any thread count.
     */
    public static void backward(float[] dtable, int dtableOff, float[] dout, int doutOff, int[] tokens, int tokOff,
                                int rows, int dim) {
        for (int m = 0; m < rows; m++) {
            Vec.addInto(dtable, dtableOff + tokens[tokOff + m] * dim, dout, doutOff + m * dim, dim);
        }
    }
}
