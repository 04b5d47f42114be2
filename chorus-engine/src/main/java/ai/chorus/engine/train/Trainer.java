package ai.chorus.engine.train;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.model.KvCache;
import ai.chorus.engine.model.LlamaModel;
import ai.chorus.engine.model.LlamaRunner;
import ai.chorus.engine.optim.AdamW;
import ai.chorus.engine.parallel.WorkerPool;

/**
 * Trains a {@link LlamaModel} with AdamW on batches of {@code batch × seq} tokens, and evaluates it.
 *
 * <p>One {@link #step} is one optimizer update: the given tokens may hold several micro-batches
 * (gradient accumulation), whose gradients are summed with the loss scaled by 1/(all tokens of the
 * step), so k micro-batches of B rows equal one batch of k·B rows. Then the global gradient norm is
 * clipped, the scheduled learning rate applied, and the weights version bumped. Same model, seed,
 * data and config give bit-identical weights for any thread count.
 */
public final class Trainer {

    private final LlamaModel model;
    private final WorkerPool pool;
    private final LlamaRunner runner;
    private final AdamW optimizer;
    private final TrainConfig config;
    private final int batch;
    private final int seq;
    private double lastGradNorm;
    private double lastLr;

    public Trainer(LlamaModel model, TrainConfig config, WorkerPool pool, int batch, int seq) {
        this.model = model;
        this.pool = pool;
        this.config = config;
        this.batch = batch;
        this.seq = seq;
        this.runner = new LlamaRunner(model, pool, batch, seq);
        this.optimizer = new AdamW(model.parameters(), model.parameterBuffer().length, config.beta1(), config.beta2(),
                config.eps(), config.weightDecay());
    }

    public LlamaModel model() {
        return model;
    }

    public LlamaRunner runner() {
        return runner;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    public int batch() {
        return batch;
    }

    public int seq() {
        return seq;
    }

    /** Optimizer steps taken so far. */
    public long stepsTaken() {
        return optimizer.step();
    }

    /** The global gradient norm of the last step, before clipping. */
    public double lastGradientNorm() {
        return lastGradNorm;
    }

    /** The learning rate the last step used. */
    public double lastLearningRate() {
        return lastLr;
    }

    /**
     * One optimizer step over {@code tokens}/{@code targets} (row-major, k·batch·seq each, k ≥ 1
     * micro-batches). Returns the mean loss over all k·batch·seq tokens.
     */
    public float step(int[] tokens, int[] targets) {
        int perMicro = batch * seq;
        if (tokens.length != targets.length || tokens.length == 0 || tokens.length % perMicro != 0) {
            throw new InvalidInputException("a training step needs tokens and targets of equal length, a positive"
                    + " multiple of batch x seq = " + perMicro + "; got " + tokens.length + " and " + targets.length);
        }
        int micro = tokens.length / perMicro;
        float lossScale = (float) (1.0 / tokens.length);
        model.zeroGradients();
        double lossSum = 0;
        for (int k = 0; k < micro; k++) {
            lossSum += runner.forwardBackward(tokens, k * perMicro, targets, k * perMicro, batch, seq, lossScale);
        }
        float[] grads = model.gradientBuffer();
        lastGradNorm = config.gradClip() > 0
                ? optimizer.clipGradients(pool, grads, config.gradClip())
                : optimizer.gradientNorm(pool, grads);
        lastLr = config.schedule().lr(optimizer.step());
        optimizer.update(pool, model.parameterBuffer(), grads, lastLr);
        model.weightsChanged();
        return (float) (lossSum / tokens.length);
    }

    /** Mean loss over k·batch·seq tokens without a backward pass or any update. */
    public float evaluate(int[] tokens, int[] targets) {
        int perMicro = batch * seq;
        if (tokens.length != targets.length || tokens.length == 0 || tokens.length % perMicro != 0) {
            throw new InvalidInputException("evaluation needs tokens and targets of equal length, a positive"
                    + " multiple of batch x seq = " + perMicro + "; got " + tokens.length + " and " + targets.length);
        }
        double lossSum = 0;
        for (int k = 0; k < tokens.length / perMicro; k++) {
            lossSum += runner.loss(tokens, k * perMicro, targets, k * perMicro, batch, seq);
        }
        return (float) (lossSum / tokens.length);
    }

    /** A cache for incremental generation with {@link #forwardToken}. */
    public KvCache newKvCache(int maxPositions) {
        return runner.newKvCache(maxPositions);
    }

    /** Next-token logits after feeding {@code token} at {@code position}; the array is reused by the cache. */
    public float[] forwardToken(int token, int position, KvCache cache) {
        return runner.forwardToken(token, position, cache);
    }
}
