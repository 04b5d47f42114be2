package ai.chorus.engine.model;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.kernel.Attention;
import ai.chorus.engine.kernel.CrossEntropy;
import ai.chorus.engine.kernel.Embedding;
import ai.chorus.engine.kernel.Matmul;
import ai.chorus.engine.kernel.Residual;
import ai.chorus.engine.kernel.RmsNorm;
import ai.chorus.engine.kernel.Rope;
import ai.chorus.engine.kernel.SwiGlu;
import ai.chorus.engine.parallel.WorkerPool;

import java.util.Arrays;

/**
 * Runs a {@link LlamaModel}'s forward and backward passes over a workspace sized once for at most
 * {@code maxBatch × maxSeq} tokens, in the shape of llm.c: every activation lives in one flat
 * float[] at a fixed offset named by the {@link ActivationLayout} (llm.c's ActivationTensors), every
 * weight at one named by the {@link ParameterLayout}, each layer is a list of explicit kernel calls,
 * and nothing is allocated per pass (beyond the small task objects of the parallel loops).
 *
 * <p>Per layer: x → RMSNorm → [q|k|v] = one matmul → RoPE on q and k → causal attention → o_proj
 * → residual; → RMSNorm → [gate|up] = one matmul → SwiGLU → down_proj → residual. The forward
 * matmuls read weights transposed ([in, out], rows padded by {@link Matmul#paddedStride}); the
 * transposes are rebuilt whenever the model's weights version changes.
 */
public final class LlamaRunner {

    private final LlamaModel model;
    private final ModelConfig config;
    private final WorkerPool pool;
    private final Rope rope;
    private final Attention attention;
    /** Rows of the lm_head processed together in training: 256 × vocab floats stay in cache between passes. */
    private static final int HEAD_ROWS = 256;

    private final int maxBatch;
    private final int maxSeq;
    private final int dim;
    private final int ffn;
    private final int vocab;
    private final int heads;
    private final int layers;
    private final float eps;

    /** The model's parameters, laid out by {@link #paramAt}. */
    private final float[] weights;
    private final ParameterLayout paramAt;

    /** Offsets of one layer's transposed weights [in, out] in {@link #weightsT}, for the forward matmuls. */
    private record TransposedLayer(int qkv, int o, int gateUp, int down) {
    }

    // transposed weights [in, out] for the forward matmuls, rows padded to ld* floats
    private final TransposedWeights transposed;
    private final float[] weightsT;
    private final TransposedLayer[] layersT;
    private final int lmHeadT;
    private final int ldQkv;
    private final int ldDim;
    private final int ldGateUp;
    private final int ldVocab;

    /**
     * The forward matmuls' transposed weights and the weights version they were built from; runners of
     * one model (the data-parallel shards of a trainer) share one copy.
     */
    private static final class TransposedWeights {
        final float[] data;
        long version = Long.MIN_VALUE;

        TransposedWeights(int floats) {
            data = new float[floats];
        }
    }

    /** Where backward adds the weight gradients: the model's buffer or a shard's own (layout {@link #paramAt}). */
    private final float[] gradients;

    /** The activations of one pass (capacity rows maxBatch·maxSeq), laid out by {@link #actAt}. */
    private final float[] acts;
    private final ActivationLayout actAt;
    private final float[] losses;
    private final float[] lse;

    // gradients of activations, reused by every layer
    private final float[] dres;
    private final float[] dln;
    private final float[] dqkv;
    private final float[] dattended;
    private final float[] dhidden;
    private final float[] dgateUp;

    private int lastRows;

    public LlamaRunner(LlamaModel model, WorkerPool pool, int maxBatch, int maxSeq) {
        this(model, pool, maxBatch, maxSeq, model.gradientBuffer(), null);
    }

    /**
     * A runner whose backward adds the weight gradients to {@code gradients} (same layout as the model's
     * gradient buffer) and which shares {@code sibling}'s transposed weights (null: a copy of its own).
     */
    public LlamaRunner(LlamaModel model, WorkerPool pool, int maxBatch, int maxSeq, float[] gradients,
                       LlamaRunner sibling) {
        this.model = model;
        this.config = model.config();
        this.weights = model.parameterBuffer();
        this.paramAt = model.layout();
        this.pool = pool;
        this.maxBatch = maxBatch;
        this.maxSeq = maxSeq;
        this.dim = config.hiddenSize();
        this.ffn = config.intermediateSize();
        this.vocab = config.vocabSize();
        this.heads = config.numAttentionHeads();
        this.layers = config.numHiddenLayers();
        this.eps = (float) config.rmsNormEps();
        if (gradients.length != model.gradientBuffer().length) {
            throw new IllegalArgumentException("gradient buffer of " + gradients.length + " floats, the model has "
                    + model.gradientBuffer().length);
        }
        if (sibling != null && sibling.model != model) {
            throw new IllegalArgumentException("a runner shares transposed weights only with a runner of its model");
        }
        this.gradients = gradients;
        if (maxBatch < 1 || maxSeq < 1) {
            throw new InvalidInputException("batch and sequence length must be positive, got "
                    + maxBatch + " x " + maxSeq);
        }
        if (maxSeq > config.maxPositionEmbeddings()) {
            throw new InvalidInputException("sequence length " + maxSeq + " exceeds max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        this.rope = new Rope(config.headDim(), config.maxPositionEmbeddings(), config.ropeTheta());
        this.attention = new Attention(heads, config.headDim(), maxSeq, pool.threads());

        Offsets t = new Offsets("the transposed weights exceed one Java array; reduce hidden_size, layers or vocab_size");
        ldQkv = Matmul.paddedStride(3 * dim);
        ldDim = Matmul.paddedStride(dim);
        ldGateUp = Matmul.paddedStride(2 * ffn);
        ldVocab = Matmul.paddedStride(vocab);
        layersT = new TransposedLayer[layers];
        for (int l = 0; l < layers; l++) {
            layersT[l] = new TransposedLayer(t.take((long) dim * ldQkv), t.take((long) dim * ldDim),
                    t.take((long) dim * ldGateUp), t.take((long) ffn * ldDim));
        }
        lmHeadT = t.take((long) dim * ldVocab);

        actAt = new ActivationLayout(config, maxBatch, maxSeq);
        long rows = (long) maxBatch * maxSeq;
        int r = (int) rows;
        // activation gradients, plus the matmul's packed copy of the largest backward B (W of lm_head or gate_up, or hidden)
        long packedB = Math.max(Math.max((long) vocab * dim, 2L * ffn * dim), rows * ffn);
        long scratch = rows * (2 + 6L * dim + 3L * ffn) + packedB;
        long own = sibling == null ? t.size() : 0L; // a sibling's transposed weights are already allocated
        Memory.ensureAvailable(own + actAt.size() + scratch, "the workspace for batch " + maxBatch + " x sequence "
                + maxSeq);
        transposed = sibling == null ? new TransposedWeights(t.size()) : sibling.transposed;
        weightsT = transposed.data;
        acts = new float[actAt.size()];
        losses = new float[r];
        lse = new float[r];
        dres = new float[r * dim];
        dln = new float[r * dim];
        dqkv = new float[r * 3 * dim];
        dattended = new float[r * dim];
        dhidden = new float[r * ffn];
        dgateUp = new float[r * 2 * ffn];
    }

    public LlamaModel model() {
        return model;
    }

    public int maxBatch() {
        return maxBatch;
    }

    public int maxSeq() {
        return maxSeq;
    }

    /** Rebuilds the transposed weights if the model's weights changed since the last pass. */
    private void ensureTransposed() {
        prepareWeights(pool);
    }

    /**
     * Rebuilds the transposed weights on {@code on}'s threads if the weights changed since they were last
     * built. A trainer calls this with all its threads before its data-parallel shards start, so they find
     * the weights ready; shards that share the weights and still race here are safe: the first rebuilds,
     * the others wait for it.
     */
    public void prepareWeights(WorkerPool on) {
        synchronized (transposed) {
            if (transposed.version != model.weightsVersion()) {
                transpose(on);
                transposed.version = model.weightsVersion();
            }
        }
    }

    private void transpose(WorkerPool on) {
        for (int l = 0; l < layers; l++) {
            ParameterLayout.Layer p = paramAt.layer(l);
            TransposedLayer t = layersT[l];
            Matmul.transpose(on, weights, p.qkv(), weightsT, t.qkv(), 3 * dim, dim, ldQkv);
            Matmul.transpose(on, weights, p.o(), weightsT, t.o(), dim, dim, ldDim);
            Matmul.transpose(on, weights, p.gateUp(), weightsT, t.gateUp(), 2 * ffn, dim, ldGateUp);
            Matmul.transpose(on, weights, p.down(), weightsT, t.down(), dim, ffn, ldDim);
        }
        Matmul.transpose(on, weights, paramAt.lmHead(), weightsT, lmHeadT, vocab, dim, ldVocab);
    }

    private void checkShape(int batch, int seq) {
        if (batch < 1 || seq < 1 || seq > maxSeq || (long) batch * seq > (long) maxBatch * maxSeq) {
            throw new InvalidInputException("batch " + batch + " x sequence " + seq
                    + " does not fit the workspace of " + maxBatch + " x " + maxSeq);
        }
    }

    /** Checks every token id is in [0, vocab): a bad id is user input, not an index error. */
    public void checkTokens(int[] tokens, int off, int n, String what) {
        for (int i = off; i < off + n; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocab) {
                throw new InvalidInputException(what + " id " + tokens[i] + " at index " + i
                        + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }

    /**
     * The forward pass over {@code batch} sequences of {@code seq} tokens (row-major [batch, seq]),
     * leaving the logits [batch·seq, vocab] in the workspace.
     */
    public void forward(int[] tokens, int tokOff, int batch, int seq) {
        forwardTrunk(tokens, tokOff, batch, seq);
        linear(batch * seq, actAt.logits(), actAt.lnFinal(), lmHeadT, ldVocab, dim, vocab);
    }

    /** The forward pass up to the final RMSNorm (lnFinal), without the lm_head. */
    private void forwardTrunk(int[] tokens, int tokOff, int batch, int seq) {
        checkShape(batch, seq);
        checkTokens(tokens, tokOff, batch * seq, "token");
        ensureTransposed();
        int rows = batch * seq;
        lastRows = rows;
        Embedding.forward(acts, actAt.embedded(), tokens, tokOff, rows, weights, paramAt.embed(), dim);
        for (int l = 0; l < layers; l++) {
            ActivationLayout.Layer a = actAt.layer(l);
            ParameterLayout.Layer p = paramAt.layer(l);
            TransposedLayer t = layersT[l];
            norm(rows, a.ln1(), a.input(), p.inputNorm(), a.ln1Rinv());
            linear(rows, a.qkv(), a.ln1(), t.qkv(), ldQkv, dim, 3 * dim);
            rope.apply(pool, acts, a.qkv(), 3 * dim, rows, seq, 0, 2 * heads, false); // q and k heads are adjacent
            attention.forward(pool, acts, a.attended(), acts, a.probs(), acts, a.qkv(), batch, seq);
            linear(rows, actAt.proj(), a.attended(), t.o(), ldDim, dim, dim);
            Residual.forward(pool, acts, a.mid(), acts, a.input(), acts, actAt.proj(), rows * dim);
            norm(rows, a.ln2(), a.mid(), p.postNorm(), a.ln2Rinv());
            linear(rows, a.gateUp(), a.ln2(), t.gateUp(), ldGateUp, dim, 2 * ffn);
            SwiGlu.forward(pool, acts, a.hidden(), acts, a.gateUp(), rows, ffn);
            linear(rows, actAt.proj(), a.hidden(), t.down(), ldDim, ffn, dim);
            Residual.forward(pool, acts, a.output(), acts, a.mid(), acts, actAt.proj(), rows * dim);
        }
        norm(rows, actAt.lnFinal(), actAt.lnFinalInput(), paramAt.finalNorm(), actAt.lnFinalRinv());
    }

    /** acts[out] = RMSNorm(acts[inp]) with the weight at {@code weight}, keeping 1/rms per row in acts[rinv]. */
    private void norm(int rows, int out, int inp, int weight, int rinv) {
        RmsNorm.forward(pool, acts, out, acts, inp, weights, weight, acts, rinv, rows, dim, eps);
    }

    /**
     * The backward of {@link #norm}: dres += d(acts[inp]) from dln = d(out), and the weight's gradient
     * (at {@code weight} in the gradient buffer) += its share.
     */
    private void normBackward(int rows, int inp, int weight, int rinv) {
        RmsNorm.backward(pool, dres, 0, gradients, weight, dln, 0, acts, inp, weights, weight, acts, rinv, rows, dim);
    }

    /** acts[out] = acts[inp]·Wᵀ, [rows, k] → [rows, n], W read transposed at weightsT[weightT], rows ldT apart. */
    private void linear(int rows, int out, int inp, int weightT, int ldT, int k, int n) {
        Matmul.forward(pool, acts, out, acts, inp, weightsT, weightT, ldT, rows, k, n);
    }

    /**
     * The backward of {@link #linear} for the weight W at {@code weight}: dinp = dout·W (overwritten) and
     * the weight's gradient += doutᵀ·acts[inp].
     */
    private void linearBackward(int rows, float[] dinp, float[] dout, int weight, int inp, int k, int n) {
        Matmul.backwardInput(pool, dinp, 0, dout, 0, weights, weight, rows, k, n, false);
        Matmul.backwardWeight(pool, gradients, weight, dout, 0, acts, inp, rows, k, n);
    }

    /**
     * One micro-batch of training: forward, loss, and backward, adding this micro-batch's gradients
     * to the runner's gradient buffer (the model's unless the constructor was given another). The loss
     * gradient is scaled by {@code lossScale} (1 / tokens of the whole optimizer step). Returns the sum of the per-token losses, summed in
     * row order in double.
     */
    public double forwardBackward(int[] tokens, int tokOff, int[] targets, int tgtOff, int batch, int seq,
                                  float lossScale) {
        checkTokens(targets, tgtOff, batch * seq, "target");
        forwardTrunk(tokens, tokOff, batch, seq);
        int rows = batch * seq;
        headForwardBackward(targets, tgtOff, rows, lossScale);
        backward(tokens, tokOff, batch, seq);
        return sumLosses(rows);
    }

    /**
     * The lm_head, the loss and the head's input gradient, HEAD_ROWS rows at a time: a chunk's logits
     * (HEAD_ROWS × vocab, a few MiB) are written by the matmul, turned into their gradient in place
     * and read back by dInput while still in cache, instead of three round trips of the whole
     * [rows, vocab] matrix (64 MiB for every bench config) through memory. Rows are independent in
     * all three, so the results are those of the unchunked passes. Leaves dlogits in the workspace
     * and d(lnFinal) in dln.
     */
    private void headForwardBackward(int[] targets, int tgtOff, int rows, float lossScale) {
        for (int r0 = 0; r0 < rows; r0 += HEAD_ROWS) {
            int n = Math.min(HEAD_ROWS, rows - r0);
            int chunk = actAt.logits() + r0 * vocab;
            linear(n, chunk, actAt.lnFinal() + r0 * dim, lmHeadT, ldVocab, dim, vocab);
            CrossEntropy.forwardBackward(pool, acts, chunk, targets, tgtOff + r0, n, vocab, losses, r0, lossScale);
            Matmul.backwardInput(pool, dln, r0 * dim, acts, chunk, weights, paramAt.lmHead(), n, dim, vocab, false);
        }
    }

    /** Sum of the per-token losses of the last forward, with targets; no backward. */
    public double loss(int[] tokens, int tokOff, int[] targets, int tgtOff, int batch, int seq) {
        checkTokens(targets, tgtOff, batch * seq, "target");
        forward(tokens, tokOff, batch, seq);
        int rows = batch * seq;
        CrossEntropy.forward(pool, acts, actAt.logits(), targets, tgtOff, rows, vocab, losses, 0, lse, 0);
        return sumLosses(rows);
    }

    /** out[outOff + m] = log p(targets[m] | tokens ≤ m) for every row of the batch. */
    public void targetLogProbs(int[] tokens, int tokOff, int[] targets, int tgtOff, int batch, int seq,
                               float[] out, int outOff) {
        loss(tokens, tokOff, targets, tgtOff, batch, seq);
        for (int m = 0; m < batch * seq; m++) {
            out[outOff + m] = -losses[m];
        }
    }

    /**
     * Next-token logits after each of {@code batch} sequences: out[b·vocab, (b+1)·vocab) = logits of the
     * last position of sequence b.
     */
    public void lastLogits(int[] tokens, int tokOff, int batch, int seq, float[] out) {
        forward(tokens, tokOff, batch, seq);
        for (int b = 0; b < batch; b++) {
            copyLogits(b * seq + seq - 1, out, b * vocab);
        }
    }

    /**
     * Copies the logits of row {@code row} of the last {@link #forward} into out[outOff, outOff + vocab).
     * (After {@link #forwardBackward} the workspace holds the logits' gradient instead.)
     */
    public void copyLogits(int row, float[] out, int outOff) {
        if (row < 0 || row >= lastRows) {
            throw new IndexOutOfBoundsException("row " + row + " of " + lastRows);
        }
        System.arraycopy(acts, actAt.logits() + row * vocab, out, outOff, vocab);
    }

    private double sumLosses(int rows) {
        double sum = 0;
        for (int m = 0; m < rows; m++) {
            sum += losses[m];
        }
        return sum;
    }

    private void backward(int[] tokens, int tokOff, int batch, int seq) {
        int rows = batch * seq;
        // lm_head's weight gradient and the final norm; the logits hold dlogits, dln holds d(lnFinal)
        Matmul.backwardWeight(pool, gradients, paramAt.lmHead(), acts, actAt.logits(), acts, actAt.lnFinal(), rows, dim,
                vocab);
        Arrays.fill(dres, 0, rows * dim, 0f);
        normBackward(rows, actAt.lnFinalInput(), paramAt.finalNorm(), actAt.lnFinalRinv());
        for (int l = layers - 1; l >= 0; l--) {
            ActivationLayout.Layer a = actAt.layer(l);
            ParameterLayout.Layer p = paramAt.layer(l);
            // dres is d(output); the residual passes it unchanged to mid and to down_proj's output
            linearBackward(rows, dhidden, dres, p.down(), a.hidden(), ffn, dim);
            SwiGlu.backward(pool, dgateUp, 0, dhidden, 0, acts, a.gateUp(), rows, ffn);
            linearBackward(rows, dln, dgateUp, p.gateUp(), a.ln2(), dim, 2 * ffn);
            normBackward(rows, a.mid(), p.postNorm(), a.ln2Rinv());
            // dres is now d(mid); again split by the residual into the layer's input and o_proj's output
            linearBackward(rows, dattended, dres, p.o(), a.attended(), dim, dim);
            attention.backward(pool, dqkv, 0, dattended, 0, acts, a.qkv(), acts, a.probs(), batch, seq);
            rope.apply(pool, dqkv, 0, 3 * dim, rows, seq, 0, 2 * heads, true);
            linearBackward(rows, dln, dqkv, p.qkv(), a.ln1(), dim, 3 * dim);
            normBackward(rows, a.input(), p.inputNorm(), a.ln1Rinv());
        }
        Embedding.backward(gradients, paramAt.embed(), dres, 0, tokens, tokOff, rows, dim);
    }

    /** A cache for generating up to {@code maxPositions} tokens with {@link #forwardToken}. */
    public KvCache newKvCache(int maxPositions) {
        if (maxPositions < 1 || maxPositions > config.maxPositionEmbeddings()) {
            throw new InvalidInputException("KV cache length " + maxPositions + " must be in [1, "
                    + config.maxPositionEmbeddings() + "] (max_position_embeddings)");
        }
        ensureTransposed();
        return new KvCache(model, maxPositions);
    }

    /**
     * Feeds one token at {@code position} (= cache.length(), positions are fed in order) and returns
     * the next-token logits. The returned array belongs to the cache and is overwritten by the next call.
     */
    public float[] forwardToken(int token, int position, KvCache cache) {
        if (cache.weightsVersion != model.weightsVersion()) {
            throw new IllegalStateException("the model's weights changed since this KV cache was created");
        }
        if (position != cache.length || position >= cache.maxPositions) {
            throw new InvalidInputException("position " + position + " must be the cache length " + cache.length
                    + " and below its capacity " + cache.maxPositions);
        }
        if (token < 0 || token >= vocab) {
            throw new InvalidInputException("token id " + token + " is outside the vocabulary [0, " + vocab + ")");
        }
        ensureTransposed();
        float[] w = weights;
        int headDim = config.headDim();
        int maxPos = cache.maxPositions;
        float scale = attention.scale();
        System.arraycopy(w, paramAt.embed() + token * dim, cache.x, 0, dim);
        for (int l = 0; l < layers; l++) {
            ParameterLayout.Layer p = paramAt.layer(l);
            TransposedLayer t = layersT[l];
            RmsNorm.forward(pool, cache.norm, 0, cache.x, 0, w, p.inputNorm(), cache.rinv, 0, 1, dim, eps);
            Matmul.forward(pool, cache.qkv, 0, cache.norm, 0, weightsT, t.qkv(), ldQkv, 1, dim, 3 * dim);
            rope.apply(pool, cache.qkv, 0, 3 * dim, 1, 1, position, 2 * heads, false);
            int layerKeys = l * dim * maxPos;
            int layerValues = l * maxPos * dim;
            for (int c = 0; c < dim; c++) { // c = head·headDim + channel: the head-major kᵀ layout
                cache.keysT[layerKeys + c * maxPos + position] = cache.qkv[dim + c];
            }
            System.arraycopy(cache.qkv, 2 * dim, cache.values, layerValues + position * dim, dim);
            final int keysBase = layerKeys;
            final int valuesBase = layerValues;
            pool.run(heads, (h, worker) -> Attention.attendHead(cache.qkv, h * headDim, 0, 1, position,
                    cache.keysT, keysBase + h * headDim * maxPos, maxPos,
                    cache.values, valuesBase + h * headDim, dim,
                    cache.probs, h * maxPos, 0, cache.attended, h * headDim, 0, headDim, scale));
            Matmul.forward(pool, cache.proj, 0, cache.attended, 0, weightsT, t.o(), ldDim, 1, dim, dim);
            Residual.forward(pool, cache.x, 0, cache.x, 0, cache.proj, 0, dim);
            RmsNorm.forward(pool, cache.norm, 0, cache.x, 0, w, p.postNorm(), cache.rinv, 0, 1, dim, eps);
            Matmul.forward(pool, cache.gateUp, 0, cache.norm, 0, weightsT, t.gateUp(), ldGateUp, 1, dim, 2 * ffn);
            SwiGlu.forward(pool, cache.hidden, 0, cache.gateUp, 0, 1, ffn);
            Matmul.forward(pool, cache.proj, 0, cache.hidden, 0, weightsT, t.down(), ldDim, 1, ffn, dim);
            Residual.forward(pool, cache.x, 0, cache.x, 0, cache.proj, 0, dim);
        }
        RmsNorm.forward(pool, cache.norm, 0, cache.x, 0, w, paramAt.finalNorm(), cache.rinv, 0, 1, dim, eps);
        Matmul.forward(pool, cache.logits, 0, cache.norm, 0, weightsT, lmHeadT, ldVocab, 1, dim, vocab);
        cache.length = position + 1;
        return cache.logits;
    }
}
