package ai.chorus.engine.model;

import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.ModelConfig;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A Llama decoder's parameters and their gradients: two flat float[] buffers with the same
 * {@link ParameterLayout}, exposed as Hugging Face-named {@link FloatTensor} views (weights (out,in),
 * y = x·Wᵀ). Checkpoint I/O reads and writes these views directly; after writing parameters through
 * them, call {@link #weightsChanged()} so derived data (transposed weights) is rebuilt.
 */
public final class LlamaModel {

    /** Standard deviation of the normal init of every matrix, as the peer and HF Llama use. */
    public static final double INIT_STD = 0.02;

    private final ModelConfig config;
    private final ParameterLayout layout;
    private final float[] params;
    private final float[] grads;
    private final List<FloatTensor> parameterViews;
    private final List<FloatTensor> gradientViews;
    private long weightsVersion;

    /** A model with all matrices zero and norm weights 1; see {@link #initialize(long)}. */
    public LlamaModel(ModelConfig config) {
        this.config = config;
        this.layout = new ParameterLayout(config);
        Memory.ensureAvailable(2L * layout.size(), "the parameters and gradients of a "
                + layout.size() + "-parameter model");
        this.params = new float[layout.size()];
        this.grads = new float[layout.size()];
        this.parameterViews = layout.views(params, "");
        this.gradientViews = layout.views(grads, "");
        for (FloatTensor t : parameterViews) {
            if (t.shape().length == 1) {
                Arrays.fill(params, t.offset(), t.offset() + t.size(), 1f);
            }
        }
    }

    /** A model initialised with {@link #initialize(long)}. */
    public static LlamaModel initialized(ModelConfig config, long seed) {
        LlamaModel model = new LlamaModel(config);
        model.initialize(seed);
        return model;
    }

    /**
     * Every matrix ~ N(0, 0.02²), every norm weight 1, drawn in model order from one seeded
     * SplittableRandom with Box–Muller, so the same seed gives the same weights on every JDK.
     */
    public void initialize(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (FloatTensor t : parameterViews) {
            int from = t.offset();
            int to = from + t.size();
            if (t.shape().length == 1) {
                Arrays.fill(params, from, to, 1f);
                continue;
            }
            for (int i = from; i < to; i += 2) {
                double u1 = 1.0 - random.nextDouble(); // (0, 1]
                double u2 = random.nextDouble();
                double radius = INIT_STD * Math.sqrt(-2.0 * Math.log(u1));
                params[i] = (float) (radius * Math.cos(2 * Math.PI * u2));
                if (i + 1 < to) {
                    params[i + 1] = (float) (radius * Math.sin(2 * Math.PI * u2));
                }
            }
        }
        weightsChanged();
    }

    public ModelConfig config() {
        return config;
    }

    public ParameterLayout layout() {
        return layout;
    }

    /** The flat parameter buffer (all views point into it). */
    public float[] parameterBuffer() {
        return params;
    }

    /** The flat gradient buffer, same layout as the parameters. */
    public float[] gradientBuffer() {
        return grads;
    }

    /** Parameters with HF names and shapes, in model order; {@code lm_head.weight} absent when tied. */
    public List<FloatTensor> parameters() {
        return parameterViews;
    }

    /** Gradients, named and shaped exactly as {@link #parameters()}. */
    public List<FloatTensor> gradients() {
        return gradientViews;
    }

    /** Says the parameters were written (optimizer step, checkpoint load, merge). */
    public void weightsChanged() {
        weightsVersion++;
    }

    public long weightsVersion() {
        return weightsVersion;
    }

    /**
     * A new zeroed buffer with the gradient layout, for a runner that sums its gradients apart from the
     * model's (a data-parallel shard); refused with a clear message when the heap cannot hold it.
     */
    public float[] newGradientBuffer() {
        Memory.ensureAvailable(grads.length, "another gradient buffer of a " + grads.length + "-parameter model");
        return new float[grads.length];
    }

    public void zeroGradients() {
        Arrays.fill(grads, 0f);
    }

    /** Copies all parameters of {@code other} (same config) into this model. */
    public void copyParametersFrom(LlamaModel other) {
        if (!other.config.equals(config)) {
            throw new IllegalArgumentException("config mismatch: " + other.config + " vs " + config);
        }
        System.arraycopy(other.params, 0, params, 0, params.length);
        weightsChanged();
    }
}
