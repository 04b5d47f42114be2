package ai.chorus.engine.model;

import ai.chorus.engine.ModelConfig;

/**
 * Where every activation of one forward pass lives in the runner's flat float[] workspace, for at most
 * {@code rows} = maxBatch·maxSeq tokens: llm.c's {@code ActivationTensors}, with one {@link Layer} of
 * offsets per decoder layer. Backward reads what forward stored here (the norms' 1/rms, the attention
 * probabilities, the SwiGLU input).
 */
public final class ActivationLayout {

    /**
     * Offsets of one decoder layer's activations, in the order forward writes them: {@code input} is the
     * residual stream entering the layer ([rows, d]) and {@code output} the one leaving it (the next
     * layer's input); {@code mid} is the stream between attention and MLP.
     */
    public record Layer(int input, int ln1, int ln1Rinv, int qkv, int probs, int attended, int mid, int ln2,
                        int ln2Rinv, int gateUp, int hidden, int output) {
    }

    private final Layer[] layers;
    private final int lnFinal;
    private final int lnFinalRinv;
    private final int logits;
    private final int proj;
    private final int size;

    public ActivationLayout(ModelConfig config, int maxBatch, int maxSeq) {
        long rows = (long) maxBatch * maxSeq;
        long d = config.hiddenSize();
        long f = config.intermediateSize();
        Offsets at = new Offsets("the workspace exceeds one Java array; reduce the batch size or sequence length");
        layers = new Layer[config.numHiddenLayers()];
        int input = at.take(rows * d);
        for (int l = 0; l < layers.length; l++) {
            int ln1 = at.take(rows * d);
            int ln1Rinv = at.take(rows);
            int qkv = at.take(rows * 3 * d);
            int probs = at.take(rows * config.numAttentionHeads() * maxSeq);
            int attended = at.take(rows * d);
            int mid = at.take(rows * d);
            int ln2 = at.take(rows * d);
            int ln2Rinv = at.take(rows);
            int gateUp = at.take(rows * 2 * f);
            int hidden = at.take(rows * f);
            int output = at.take(rows * d);
            layers[l] = new Layer(input, ln1, ln1Rinv, qkv, probs, attended, mid, ln2, ln2Rinv, gateUp, hidden, output);
            input = output;
        }
        lnFinal = at.take(rows * d);
        lnFinalRinv = at.take(rows);
        logits = at.take(rows * config.vocabSize());
        proj = at.take(rows * d);
        size = at.size();
    }

    /** The activations of decoder layer {@code l}. */
    public Layer layer(int l) {
        return layers[l];
    }

    /** The embedded tokens: layer 0's input. */
    public int embedded() {
        return layers[0].input();
    }

    /** The residual stream leaving the last layer: the final norm's input. */
    public int lnFinalInput() {
        return layers[layers.length - 1].output();
    }

    /** The final RMSNorm's output [rows, d], the lm_head's input. */
    public int lnFinal() {
        return lnFinal;
    }

    /** The final RMSNorm's 1/rms per row. */
    public int lnFinalRinv() {
        return lnFinalRinv;
    }

    /** The logits [rows, vocab]; after training's head pass, their gradient. */
    public int logits() {
        return logits;
    }

    /** Scratch [rows, d] for the o and down projections' outputs before each residual add. */
    public int proj() {
        return proj;
    }

    /** Floats in the whole workspace. */
    public int size() {
        return size;
    }
}
