package ai.chorus.engine.kernel;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;

import java.util.Arrays;
import java.util.Locale;

import static ai.chorus.engine.kernel.Vec.SPECIES;
import static ai.chorus.engine.kernel.Vec.VL;

/**
 * The distillation loss over the vocabulary, per row (token position), fused with the lm_head logits z
 * like {@link CrossEntropy}:
 * <pre>
 *   loss = α·T²·KL(p_T ‖ q_T) + (1 − α)·CE(label, q)
 *   q = softmax(z),  q_T = softmax(z / T),  p_T = p^(1/T) / Σ p^(1/T)  (the teacher at temperature T)
 *   KL(p_T ‖ q_T) = Σ_i p_T,i·(log p_T,i − log q_T,i)   (teacher entropy included: 0 when q_T = p_T)
 *   ∂loss/∂z = α·T·(q_T − p_T) + (1 − α)·(q − onehot(label))
 * </pre>
 * The T² factor is Hinton et al.'s (2015): ∂KL(p_T‖q_T)/∂z = (q_T − p_T)/T, so T² keeps the soft term's
 * gradient on the scale of the hard term's as T changes. α ∈ [0, 1], T > 0; α = 0 is exactly
 * {@link CrossEntropy} (same floats: same max, exps and summation order).
 *
 * <p><b>The teacher</b>, one distribution per row, in one of two layouts:
 * <ul>
 *   <li><b>full</b>: rows × vocab floats, probabilities or natural log-probabilities ({@link Form});
 *   <li><b>sparse</b>: m (token id, log-prob) pairs per row (the teacher's top m), and the remaining mass
 *       r = 1 − Σ exp(log-prob) spread uniformly over the vocab − m other tokens, each r / (vocab − m).
 *       m = vocab, or r = 0, leaves nothing to spread. A log-prob of −∞ is a zero probability.
 * </ul>
 * Either is renormalised to sum 1 (at T = 1 that changes it only by rounding). A teacher row is refused
 * with an {@link InvalidInputException} naming the row, before any logit is overwritten, when an entry is
 * NaN, a probability is negative or a log-prob +∞, its mass exceeds 1 + {@value #MASS_TOLERANCE} (a full
 * row's mass, and a sparse row's with m = vocab, must also be at least 1 − {@value #MASS_TOLERANCE}), or a
 * sparse id is out of range or repeated.
 *
 * <p><b>Cost.</b> The sparse form costs the teacher O(m) per row; the full form a double exp (and, for
 * probabilities, a log) per vocabulary entry, twice in the training form. The student side costs two float
 * exps per logit at T = 1 and four otherwise (in place, z is gone once the gradient is written, so the
 * exps of the sums are recomputed for the gradient). Every row is computed by one task in a fixed order,
 * so results are bit-identical for any thread count. The per-worker scratch that finds repeated sparse ids
 * is allocated on the first call and reused: use one instance per concurrent runner.
 */
public final class SoftCrossEntropy {

    /** How a full teacher row is given. */
    public enum Form {
        PROBABILITIES, LOG_PROBABILITIES
    }

    /** How far a teacher's total mass may stray from 1 (float rounding of a softmax over a large vocabulary). */
    public static final double MASS_TOLERANCE = 1e-3;

    private static final int ROWS_PER_TASK = 8;

    private final int vocab;
    /** Per worker: stamps[id] == the row's stamp when id was seen in that sparse row (repeat detection). */
    private int[][] stamps = new int[0][];
    private int[] stampOf = new int[0];

    public SoftCrossEntropy(int vocab) {
        if (vocab < 1) {
            throw new IllegalArgumentException("vocab must be >= 1, got " + vocab);
        }
        this.vocab = vocab;
    }

    public int vocab() {
        return vocab;
    }

    /** One call's teacher: full (ids == null) or sparse. */
    private record Teacher(float[] values, int off, Form form, int[] ids, int m) {
        boolean sparse() {
            return ids != null;
        }
    }

    /** Per-row loss against a full teacher (rows × vocab at {@code teacherOff}); logits are left unchanged. */
    public void forward(WorkerPool pool, float[] logits, int logitsOff, int[] targets, int tOff, int rows,
                        float[] teacher, int teacherOff, Form form, float alpha, float temperature,
                        float[] losses, int lossOff) {
        run(pool, logits, logitsOff, targets, tOff, rows, new Teacher(teacher, teacherOff, form, null, 0),
                alpha, temperature, losses, lossOff, Float.NaN, false);
    }

    /**
     * The training form against a full teacher: per-row loss, then each row of logits is overwritten by its
     * gradient ∂loss/∂z·scale (scale = 1/(rows of the whole step) for a mean loss, as {@link CrossEntropy}).
     */
    public void forwardBackward(WorkerPool pool, float[] logits, int logitsOff, int[] targets, int tOff, int rows,
                                float[] teacher, int teacherOff, Form form, float alpha, float temperature,
                                float[] losses, int lossOff, float scale) {
        run(pool, logits, logitsOff, targets, tOff, rows, new Teacher(teacher, teacherOff, form, null, 0),
                alpha, temperature, losses, lossOff, scale, true);
    }

    /**
     * Per-row loss against a sparse teacher: row r's pairs are {@code ids[sparseOff + r·m + j]},
     * {@code logProbs[sparseOff + r·m + j]} for j in [0, m); logits are left unchanged.
     */
    public void forwardSparse(WorkerPool pool, float[] logits, int logitsOff, int[] targets, int tOff, int rows,
                              int[] ids, float[] logProbs, int sparseOff, int m, float alpha, float temperature,
                              float[] losses, int lossOff) {
        run(pool, logits, logitsOff, targets, tOff, rows, sparse(ids, logProbs, sparseOff, m),
                alpha, temperature, losses, lossOff, Float.NaN, false);
    }

    /** The training form against a sparse teacher (layout as {@link #forwardSparse}, gradient as {@link #forwardBackward}). */
    public void forwardBackwardSparse(WorkerPool pool, float[] logits, int logitsOff, int[] targets, int tOff,
                                      int rows, int[] ids, float[] logProbs, int sparseOff, int m, float alpha,
                                      float temperature, float[] losses, int lossOff, float scale) {
        run(pool, logits, logitsOff, targets, tOff, rows, sparse(ids, logProbs, sparseOff, m),
                alpha, temperature, losses, lossOff, scale, true);
    }

    private Teacher sparse(int[] ids, float[] logProbs, int sparseOff, int m) {
        if (m < 0 || m > vocab) {
            throw new InvalidInputException("sparse teacher: m = " + m + " pairs per row, must be in [0, vocab = "
                    + vocab + "]");
        }
        return new Teacher(logProbs, sparseOff, null, ids, m);
    }

    private void run(WorkerPool pool, float[] logits, int logitsOff, int[] targets, int tOff, int rows,
                     Teacher teacher, float alpha, float temperature, float[] losses, int lossOff, float scale,
                     boolean backward) {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new InvalidInputException("distillation alpha must be in [0, 1], got " + alpha);
        }
        if (!(temperature > 0) || Float.isInfinite(temperature)) {
            throw new InvalidInputException("distillation temperature must be > 0 and finite, got " + temperature);
        }
        if (teacher.sparse() && stamps.length < pool.threads()) {
            stamps = new int[pool.threads()][];
            stampOf = new int[pool.threads()];
        }
        int tasks = (rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
        // Validate every row first (NaN marks a bad one), so a refused batch leaves the logits untouched,
        // and the lowest bad row is the one named whatever the thread count.
        pool.run(tasks, (task, worker) -> {
            int m1 = Math.min(rows, (task + 1) * ROWS_PER_TASK);
            for (int r = task * ROWS_PER_TASK; r < m1; r++) {
                losses[lossOff + r] = problem(teacher, r, worker) == null ? 0f : Float.NaN;
            }
        });
        for (int r = 0; r < rows; r++) {
            if (Float.isNaN(losses[lossOff + r])) {
                throw new InvalidInputException("distillation teacher, row " + r + " of the batch: "
                        + problem(teacher, r, 0));
            }
        }
        pool.run(tasks, (task, worker) -> {
            int m1 = Math.min(rows, (task + 1) * ROWS_PER_TASK);
            for (int r = task * ROWS_PER_TASK; r < m1; r++) {
                // The student's vector sums here, in a loop, so that C2 inlines them (called once from the
                // long row method they would run as separate, late-compiled methods that box vectors).
                // S1 exactly as CrossEntropy's (same exps, same lanes, same order); S_T likewise at z/T.
                int at = logitsOff + r * vocab;
                float max = CrossEntropy.max(logits, at, vocab);
                float s1 = expSum(logits, at, vocab, max, 1f);
                float sT = temperature == 1f ? s1 : expSum(logits, at, vocab, max, (float) (1.0 / temperature));
                losses[lossOff + r] = row(logits, at, targets[tOff + r], teacher, r, alpha, temperature, scale,
                        backward, max, s1, sT);
            }
        });
    }

    /** What is wrong with teacher row r, or null. */
    private String problem(Teacher t, int r, int worker) {
        double mass = 0;
        if (!t.sparse()) {
            int off = t.off() + r * vocab;
            for (int i = 0; i < vocab; i++) {
                float v = t.values()[off + i];
                if (t.form() == Form.PROBABILITIES) {
                    if (!(v >= 0) || v == Float.POSITIVE_INFINITY) {
                        return "probability of token " + i + " is " + v + " (must be finite and >= 0)";
                    }
                    mass += v;
                } else {
                    if (Float.isNaN(v) || v == Float.POSITIVE_INFINITY) {
                        return "log-probability of token " + i + " is " + v;
                    }
                    mass += Math.exp(v);
                }
            }
            if (Math.abs(mass - 1) > MASS_TOLERANCE) {
                return String.format(Locale.ROOT, "total probability %.6g, not 1 (a full teacher row must be one"
                        + " distribution; within %s)", mass, MASS_TOLERANCE);
            }
            return null;
        }
        int[] seen = stamps[worker];
        if (seen == null) {
            seen = stamps[worker] = new int[vocab];
        }
        if (++stampOf[worker] == Integer.MAX_VALUE) {
            Arrays.fill(seen, 0);
            stampOf[worker] = 1;
        }
        int stamp = stampOf[worker];
        int off = t.off() + r * t.m();
        for (int j = 0; j < t.m(); j++) {
            int id = t.ids()[off + j];
            float v = t.values()[off + j];
            if (id < 0 || id >= vocab) {
                return "token id " + id + " out of range [0, " + vocab + ")";
            }
            if (seen[id] == stamp) {
                return "token id " + id + " given twice";
            }
            seen[id] = stamp;
            if (Float.isNaN(v) || v == Float.POSITIVE_INFINITY) {
                return "log-probability of token " + id + " is " + v;
            }
            mass += Math.exp(v);
        }
        if (mass > 1 + MASS_TOLERANCE) {
            return String.format(Locale.ROOT, "top-%d probabilities sum to %.6g > 1", t.m(), mass);
        }
        if (t.m() == vocab && mass < 1 - MASS_TOLERANCE) {
            return String.format(Locale.ROOT, "all %d tokens given but their probabilities sum to %.6g, not 1",
                    vocab, mass);
        }
        return null;
    }

    /** ln p of a full teacher entry (−∞ for a zero probability). */
    private static double logProb(Teacher t, int at) {
        float v = t.values()[at];
        return t.form() == Form.PROBABILITIES ? Math.log(v) : v;
    }

    /**
     * One row, given max z, S1 = Σ exp(z − max) and S_T = Σ exp((z − max)/T): returns its loss; when
     * {@code backward}, overwrites z with ∂loss/∂z·scale.
     */
    private float row(float[] z, int row, int target, Teacher t, int r, float alpha, float temperature,
                      float scale, boolean backward, float max, float s1, float sT) {
        int n = vocab;
        double invT = 1.0 / temperature;
        float invTf = (float) invT;
        boolean unitT = temperature == 1f;

        // The teacher at T: w_i = p_i^(1/T) = exp(ℓ_i/T), Z = Σ w, A = Σ w·ℓ/T, B = Σ w·z (double, fixed order).
        double bigZ = 0, a = 0, b = 0;
        double spreadLog = Double.NEGATIVE_INFINITY; // ℓ of each of the vocab − m other tokens (sparse)
        int off;
        if (!t.sparse()) {
            off = t.off() + r * n;
            for (int i = 0; i < n; i++) {
                double l = logProb(t, off + i) * invT;
                double w = Math.exp(l);
                if (w > 0) {
                    bigZ += w;
                    a += w * l;
                    b += w * z[row + i];
                }
            }
        } else {
            off = t.off() + r * t.m();
            double mass = 0, topZ = 0;
            for (int j = 0; j < t.m(); j++) {
                double l = t.values()[off + j] * invT;
                double w = Math.exp(l);
                mass += Math.exp(t.values()[off + j]);
                if (w > 0) {
                    bigZ += w;
                    a += w * l;
                    b += w * z[row + t.ids()[off + j]];
                }
                topZ += z[row + t.ids()[off + j]];
            }
            int rest = n - t.m();
            double remaining = 1 - mass;
            if (rest > 0 && remaining > 0) {
                spreadLog = Math.log(remaining / rest);
                double l = spreadLog * invT;
                double w = Math.exp(l);
                double sumZ = 0;
                for (int i = 0; i < n; i++) {
                    sumZ += z[row + i];
                }
                bigZ += rest * w;
                a += rest * w * l;
                b += w * (sumZ - topZ);
            }
        }
        double logZ = Math.log(bigZ);

        float ce = max + (float) Math.log(s1) - z[row + target];
        double lseT = max * invT + Math.log(sT);
        double kl = a / bigZ - logZ - b * invT / bigZ + lseT;
        float loss = (float) ((double) alpha * temperature * temperature * kl + (1 - alpha) * (double) ce);
        if (alpha == 0f) {
            loss = ce; // (1 − 0)·ce is ce; said outright so that a teacher cannot touch the hard loss
        }
        if (!backward) {
            return loss;
        }

        // g_i = e_i·(1−α)·scale/S1 + eT_i·α·T·scale/S_T − α·T·scale·p_T,i − [i = label]·(1−α)·scale
        float k1 = (1 - alpha) * scale / s1;
        float kT = alpha * temperature * scale / sT;
        double cT = (double) alpha * temperature * scale;
        double pSpread = t.sparse() ? Math.exp(spreadLog * invT - logZ) : 0; // 0 when nothing is spread
        float spreadTerm = (float) (cT * pSpread);
        for (int i = 0; i < n; i++) {
            float d = z[row + i] - max;
            float e = Vec.exp(d);
            float eT = unitT ? e : Vec.exp(d * invTf);
            float g = e * k1 + eT * kT;
            g -= t.sparse() ? spreadTerm : (float) (cT * Math.exp(logProb(t, off + i) * invT - logZ));
            z[row + i] = g;
        }
        if (t.sparse()) {
            for (int j = 0; j < t.m(); j++) {
                double pj = Math.exp(t.values()[off + j] * invT - logZ);
                z[row + t.ids()[off + j]] -= (float) (cT * (pj - pSpread));
            }
        }
        z[row + target] -= (1 - alpha) * scale;
        return loss;
    }

    /**
     * Σ exp((x − max)·k) over x[off..off+n), vector lanes then the tail: at k = 1 the very sum of
     * CrossEntropy's {@code expInPlace} (x − max, then ·1, is x − max), without writing.
     */
    private static float expSum(float[] x, int off, int n, float max, float k) {
        FloatVector sv = FloatVector.zero(SPECIES);
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += VL) {
            sv = sv.add(Vec.exp(FloatVector.fromArray(SPECIES, x, off + i).sub(max).mul(k)));
        }
        float sum = Vec.sumLanes(sv);
        for (; i < n; i++) {
            sum += Vec.exp((x[off + i] - max) * k);
        }
        return sum;
    }
}
