package ai.chorus.engine.kernel;

import ai.chorus.engine.parallel.WorkerPool;

/** The residual connection out = a + b; its backward passes the gradient to both inputs unchanged. */
public final class Residual {

    private static final int CHUNK = 1 << 14;

    private Residual() {
    }

    /** out[i] = a[i] + b[i] for i < n (out may alias a). */
    public static void forward(WorkerPool pool, float[] out, int outOff, float[] a, int aOff, float[] b, int bOff, int n) {
        pool.run((n + CHUNK - 1) / CHUNK, (task, worker) -> {
            int i0 = task * CHUNK;
            int len = Math.min(CHUNK, n - i0);
            if (out != a || outOff != aOff) {
                System.arraycopy(a, aOff + i0, out, outOff + i0, len);
            }
            Vec.addInto(out, outOff + i0, b, bOff + i0, len);
        });
    }

    /** dInput[i] += dout[i]: what each branch of a residual receives. */
    public static void backward(WorkerPool pool, float[] dinp, int dinpOff, float[] dout, int doutOff, int n) {
        pool.run((n + CHUNK - 1) / CHUNK, (task, worker) -> {
            int i0 = task * CHUNK;
            Vec.addInto(dinp, dinpOff + i0, dout, doutOff + i0, Math.min(CHUNK, n - i0));
        });
    }
}
