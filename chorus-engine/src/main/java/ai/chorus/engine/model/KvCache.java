package ai.chorus.engine.model;

/**
 * Keys and values of the positions generated so far, per layer, plus the one-row scratch the
 * incremental forward pass needs; created by {@link LlamaRunner#newKvCache(int)}. Keys are stored
 * transposed per head ([head][headDim][maxPositions]) so decoding uses the same attention kernel
 * as training. Not thread-safe: one cache per generated sequence.
 */
public final class KvCache {

    final int maxPositions;
    final float[] keysT;   // [layers][heads][headDim][maxPositions]
    final float[] values;  // [layers][maxPositions][dim]
    final float[] x;       // residual stream, [dim]
    final float[] norm;    // [dim]
    final float[] rinv;    // [1]
    final float[] qkv;     // [3·dim]
    final float[] attended;// [dim]
    final float[] proj;    // [dim]
    final float[] gateUp;  // [2·ffn]
    final float[] hidden;  // [ffn]
    final float[] probs;   // [heads][maxPositions]
    final float[] logits;  // [vocab]
    final long weightsVersion;
    int length;

    KvCache(LlamaModel model, int maxPositions) {
        var c = model.config();
        int d = c.hiddenSize();
        int layers = c.numHiddenLayers();
        this.maxPositions = maxPositions;
        this.keysT = new float[Math.multiplyExact(layers * d, maxPositions)];
        this.values = new float[Math.multiplyExact(layers * d, maxPositions)];
        this.x = new float[d];
        this.norm = new float[d];
        this.rinv = new float[1];
        this.qkv = new float[3 * d];
        this.attended = new float[d];
        this.proj = new float[d];
        this.gateUp = new float[2 * c.intermediateSize()];
        this.hidden = new float[c.intermediateSize()];
        this.probs = new float[c.numAttentionHeads() * maxPositions];
        this.logits = new float[c.vocabSize()];
        this.weightsVersion = model.weightsVersion();
    }

    /** Positions stored so far (the next position to feed). */
    public int length() {
        return length;
    }

    public int maxPositions() {
        return maxPositions;
    }

    /** Forgets all positions, keeping the memory. */
    public void clear() {
        length = 0;
    }
}
