package ai.chorus.engine.model;

import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Branches a model into one whose SwiGLU width ({@code intermediate_size}) differs, and nothing else —
 * how an expert sized for its domain (HDEE's heterogeneous experts) starts from the shared seed.
 *
 * <p>Wider: every seed unit is kept, and each new unit gets gate and up rows drawn like a fresh
 * initialisation but a zero column in down_proj, so the new model computes exactly the seed's function
 * (new units add silu(g)·u·0) and the new units start learning from the first step (down's gradient
 * for them is their activation, which is not zero). Narrower: the units with the largest contribution
 * ‖down[:, u]‖ · ‖up[u, :]‖ · ‖gate[u, :]‖ are kept, in their original order; this changes the function
 * (the expert's training recovers it), except that units whose down column is zero are dropped first
 * and losslessly.
 */
public final class FfnResize {
    private FfnResize() {}

    /** Whether {@code to} differs from {@code from} at most in intermediate_size. */
    public static boolean resizable(ModelConfig from, ModelConfig to) {
        return withFfn(from, to.intermediateSize()).equals(to);
    }

    /**
     * Copies {@code source} into {@code target}, resizing the SwiGLU blocks when the widths differ.
     * New units' gate and up rows are drawn from {@code initSeed} (N(0, 0.02²), as {@link LlamaModel#initialize}).
     */
    public static void copy(LlamaModel source, LlamaModel target, long initSeed) {
        ModelConfig from = source.config();
        ModelConfig to = target.config();
        if (!resizable(from, to)) {
            throw new InvalidInputException("cannot branch a model of shape " + from + " into " + to
                    + ": only intermediate_size may differ (a different hidden_size, layers, heads or vocabulary"
                    + " needs its own seed model)");
        }
        Map<String, FloatTensor> in = byName(source.parameters());
        float[] src = source.parameterBuffer();
        float[] dst = target.parameterBuffer();
        int fs = from.intermediateSize();
        int ft = to.intermediateSize();
        int d = from.hiddenSize();
        SplittableRandom random = new SplittableRandom(initSeed);
        int[] keep = null; // per layer, the source units kept (narrowing)
        for (FloatTensor t : target.parameters()) {
            FloatTensor s = in.get(t.name());
            String name = t.name();
            if (Arrays.equals(s.shape(), t.shape())) {
                System.arraycopy(src, s.offset(), dst, t.offset(), t.size());
            } else if (name.endsWith("mlp.gate_proj.weight")) {
                // gate, up and down of one layer come in this order (ParameterLayout), so the units chosen
                // from all three are chosen once, here, and reused for up and down.
                keep = ft < fs ? strongestUnits(src, in, name, fs, d, ft) : null;
                copyRows(src, s, dst, t, d, fs, ft, keep, random);
            } else if (name.endsWith("mlp.up_proj.weight")) {
                copyRows(src, s, dst, t, d, fs, ft, keep, random);
            } else if (name.endsWith("mlp.down_proj.weight")) {
                for (int r = 0; r < d; r++) {
                    int srcRow = s.offset() + r * fs;
                    int dstRow = t.offset() + r * ft;
                    if (keep == null) {
                        System.arraycopy(src, srcRow, dst, dstRow, fs);
                        Arrays.fill(dst, dstRow + fs, dstRow + ft, 0f);
                    } else {
                        for (int u = 0; u < ft; u++) {
                            dst[dstRow + u] = src[srcRow + keep[u]];
                        }
                    }
                }
            } else {
                throw new IllegalStateException("unexpected shape change of " + name);
            }
        }
        target.weightsChanged();
    }

    /** gate or up [units, d]: kept rows copied, new rows drawn fresh. */
    private static void copyRows(float[] src, FloatTensor s, float[] dst, FloatTensor t, int d, int fs, int ft,
                                 int[] keep, SplittableRandom random) {
        for (int u = 0; u < ft; u++) {
            int to = t.offset() + u * d;
            if (keep != null) {
                System.arraycopy(src, s.offset() + keep[u] * d, dst, to, d);
            } else if (u < fs) {
                System.arraycopy(src, s.offset() + u * d, dst, to, d);
            } else {
                for (int i = 0; i < d; i++) {
                    dst[to + i] = (float) (random.nextGaussian() * LlamaModel.INIT_STD);
                }
            }
        }
    }

    /** The {@code n} units with the largest ‖down col‖·‖up row‖·‖gate row‖, in ascending unit order. */
    private static int[] strongestUnits(float[] w, Map<String, FloatTensor> in, String gateName, int units, int d,
                                        int n) {
        String prefix = gateName.substring(0, gateName.length() - "gate_proj.weight".length());
        FloatTensor gate = in.get(gateName);
        FloatTensor up = in.get(prefix + "up_proj.weight");
        FloatTensor down = in.get(prefix + "down_proj.weight");
        double[] downNorm = new double[units];
        for (int r = 0; r < d; r++) {
            for (int u = 0; u < units; u++) {
                double v = w[down.offset() + r * units + u];
                downNorm[u] += v * v;
            }
        }
        Integer[] order = new Integer[units];
        double[] score = new double[units];
        for (int u = 0; u < units; u++) {
            order[u] = u;
            score[u] = Math.sqrt(downNorm[u] * rowNormSquared(w, up.offset() + u * d, d)
                    * rowNormSquared(w, gate.offset() + u * d, d));
        }
        Arrays.sort(order, (a, b) -> score[a] != score[b] ? Double.compare(score[b], score[a]) : Integer.compare(a, b));
        int[] keep = new int[n];
        for (int i = 0; i < n; i++) {
            keep[i] = order[i];
        }
        Arrays.sort(keep);
        return keep;
    }

    private static double rowNormSquared(float[] w, int at, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += (double) w[at + i] * w[at + i];
        }
        return s;
    }

    private static Map<String, FloatTensor> byName(List<FloatTensor> tensors) {
        Map<String, FloatTensor> m = new HashMap<>();
        for (FloatTensor t : tensors) {
            m.put(t.name(), t);
        }
        return m;
    }

    private static ModelConfig withFfn(ModelConfig c, int ffn) {
        return new ModelConfig(c.hiddenSize(), ffn, c.numHiddenLayers(), c.numAttentionHeads(), c.numKeyValueHeads(),
                c.vocabSize(), c.maxPositionEmbeddings(), c.rmsNormEps(), c.ropeTheta(), c.tieWordEmbeddings());
    }
}
