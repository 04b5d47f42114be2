package ai.chorus.core.merge;

import ai.chorus.engine.InvalidInputException;
import java.util.List;
import java.util.Map;

/**
 * {@code slerp}: spherical interpolation of exactly two models, per tensor, as mergekit does it: with
 * Ω the angle between the two tensors (as flat vectors), θ = [sin((1−t)Ω) a + sin(tΩ) b] / sin Ω; plain
 * linear interpolation when they are nearly colinear (|cos Ω| > 0.9995) or one is zero. t = 0 gives the
 * first model, t = 1 the second; default t = 0.5.
 */
final class Slerp extends AbstractMergeMethod {
    static final MergeParameter T = MergeParameter.number("t", 0.5, MergeParameter.Range.closed(0, 1),
            "how far from the first model to the second (0 = the first, 1 = the second)");
    static final MergeMethodSpec SPEC = new MergeMethodSpec("slerp", false,
            "spherical interpolation between exactly two models, per tensor.", List.of(T),
            (p, models, weights, shares) -> create(p, models, weights));
    /** mergekit's threshold for falling back to linear interpolation. */
    static final double COLINEAR = 0.9995;
    private final double t;

    private Slerp(double t, Map<String, Object> parameters) {
        super(SPEC, new double[] {1 - t, t}, parameters);
        this.t = t;
    }

    static Slerp create(MergeParameters p, int models, double[] explicit) {
        if (models != 2) {
            throw new InvalidInputException(p.source() + ": slerp merges exactly two models, got " + models
                    + "; name the two in a recipe");
        }
        if (explicit != null) {
            throw new InvalidInputException(p.source() + ": slerp takes no per-model weights; its parameter t says"
                    + " how far to go from the first model to the second");
        }
        double t = p.number(T);
        p.requireNoOthers();
        return new Slerp(t, p.resolved());
    }

    @Override
    public void merge(Tensor tensor, float[] out) {
        float[] a = tensor.models()[0];
        float[] b = tensor.models()[1];
        int n = tensor.size();
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int j = 0; j < n; j++) {
            dot += (double) a[j] * b[j];
            aa += (double) a[j] * a[j];
            bb += (double) b[j] * b[j];
        }
        double cos = aa > 0 && bb > 0 ? dot / Math.sqrt(aa * bb) : 1;
        double wa;
        double wb;
        if (!(Math.abs(cos) <= COLINEAR)) {
            wa = 1 - t;
            wb = t;
        } else {
            double omega = Math.acos(cos);
            double sin = Math.sin(omega);
            wa = Math.sin(omega - omega * t) / sin;
            wb = Math.sin(omega * t) / sin;
        }
        for (int j = 0; j < n; j++) {
            out[j] = (float) (wa * a[j] + wb * b[j]);
        }
    }
}
